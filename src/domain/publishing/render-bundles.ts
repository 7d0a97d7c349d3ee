import type { ModerationDecision, WorldDelta } from '../deltas/types.js';
import type { LoreBundle, OverlayPayload } from './types.js';

function fmt(v: unknown): string {
  return v === null || v === undefined ? '_none_' : `\`${String(v)}\``;
}

/** One lore bundle per entity, merging that entity's publishable deltas (spec 7). */
export function renderLoreBundle(
  entityDeltas: WorldDelta[],
  sessionId: string,
  summaryVersion: number,
  decisions: Map<string, ModerationDecision>,
): LoreBundle {
  const first = entityDeltas[0] as WorldDelta;
  const lines = [`## ${first.canonicalName}`, '', `*${first.entityType}* · \`${first.entityId}\``, ''];
  for (const d of entityDeltas) {
    if (d.deltaType === 'new-entity') lines.push(`- First recorded in session \`${sessionId}\`.`);
    for (const [field, after] of Object.entries(d.before ? d.after : {}))
      lines.push(`- ${field}: ${fmt(d.before?.[field])} → ${fmt(after)}`);
    for (const c of d.capabilityRefs) lines.push(`- Touches prohibited capability \`${c.capabilityId}\` (${c.severity}).`);
  }
  lines.push('', `_Source: session \`${sessionId}\`, story summary v${summaryVersion}._`);
  const decs = entityDeltas.map((d) => decisions.get(d.deltaId)).filter((x): x is ModerationDecision => x !== undefined);
  const tags = new Set<string>();
  for (const d of entityDeltas) {
    for (const r of d.safety.reasons) tags.add(r);
    for (const c of d.capabilityRefs) tags.add(c.capabilityId);
    for (const c of d.safety.conflicts) tags.add(c.type);
  }
  return {
    bundleId: `lore:${sessionId}:${first.entityId}`,
    entityId: first.entityId,
    entityType: first.entityType,
    canonicalName: first.canonicalName,
    markdown: lines.join('\n'),
    revisions: entityDeltas.map((d) => ({
      deltaId: d.deltaId,
      deltaType: d.deltaType,
      before: d.before,
      after: d.after,
      status: d.status,
    })),
    provenance: { sessionId, summaryVersion, deltaIds: entityDeltas.map((d) => d.deltaId), decisions: decs },
    safetyTags: [...tags],
    version: summaryVersion,
  };
}

export function renderOverlay(bundle: LoreBundle): OverlayPayload {
  const moderated = bundle.provenance.decisions.length > 0;
  return {
    type: 'overlay.loreLink',
    entityId: bundle.entityId,
    bundleId: bundle.bundleId,
    label: bundle.canonicalName,
    provenanceBadge: {
      sessionId: bundle.provenance.sessionId,
      summaryVersion: bundle.provenance.summaryVersion,
      moderated,
      text: `${moderated ? 'Moderated' : 'Auto-checked'} · session ${bundle.provenance.sessionId} · v${bundle.provenance.summaryVersion}`,
    },
  };
}
