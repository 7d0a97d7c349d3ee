import type { CapabilityRef, EntityMention, NewEntityCandidate, ProposedChange } from '../extraction/types.js';
import type { ProhibitedCapability, WorldEntity } from '../world/types.js';
import { confidenceTier, LOW_CONFIDENCE_THRESHOLD } from './confidence.js';
import { findConflicts, indexOpenDeltas } from './find-conflicts.js';
import type { DeltaConflict, DeltaSourceEvent, DeltaType, ModerationReason, OpenDelta, WorldDelta } from './types.js';

export interface DetermineDeltasInput {
  sessionId: string;
  mentions: EntityMention[];
  candidates: NewEntityCandidate[];
  /** Canonical world state from the store: never an empty stand-in (spec 9). */
  canon: WorldEntity[];
  capabilities: ProhibitedCapability[];
  /** Deltas from OTHER sessions still pending or needing review. */
  pendingDeltas: readonly OpenDelta[];
  now: number;
  newId: () => string;
}

const sourceOf = (m: EntityMention): DeltaSourceEvent => ({
  mentionId: m.mentionId,
  turnId: m.source.turnId,
  sceneId: m.source.sceneId,
  sentenceIndex: m.source.sentenceIndex,
  confidence: m.confidence,
  sentence: m.sentence,
});

function safetyOf(confidence: number, caps: CapabilityRef[], conflicts: DeltaConflict[], hedged = false): WorldDelta['safety'] {
  const reasons: ModerationReason[] = [];
  if (confidence < LOW_CONFIDENCE_THRESHOLD) reasons.push('low_confidence');
  // A reported or rumoured change needs a moderator whatever its confidence: a hedged
  // canonical name scores 0.65 and would otherwise publish on its own.
  if (hedged) reasons.push('hedged');
  if (caps.length > 0) reasons.push('capability_violation');
  if (caps.some((c) => !c.known)) reasons.push('unknown_capability');
  if (conflicts.length > 0) reasons.push('conflict_detected');
  return { requiresModeration: reasons.length > 0, reasons, conflicts };
}

/**
 * Merges one entity's mentions into its final changes: the last control change and the
 * last status change in transcript order win (the story's end state), each keeping the
 * confidence of the mention that said it. Changes canon already reflects are dropped.
 */
function mergeChanges(
  group: EntityMention[],
  canon: WorldEntity | undefined,
): Array<{ change: ProposedChange; confidence: number; hedged: boolean }> {
  const last = new Map<string, { change: ProposedChange; confidence: number; hedged: boolean }>();
  for (const m of group)
    for (const c of m.proposedChanges) last.set(c.field, { change: c, confidence: m.confidence, hedged: m.hedged === true });
  return [...last.values()].filter(({ change }) =>
    change.kind === 'control' ? (canon?.state.controlledBy ?? null) !== change.to : canon?.state.status !== change.to,
  );
}

/**
 * Stage 4 (spec 6): ONE delta per entity per session. Entities mentioned without a change
 * or a capability reference produce no delta: a delta proposes a change to canon.
 * A capability reference with no state change is a `retcon` (the story bent a world rule).
 * Status: `needs-review` when any moderation reason applies, else `pending`.
 */
export function determineDeltas(input: DetermineDeltasInput): WorldDelta[] {
  const canonById = new Map(input.canon.map((e) => [e.entityId, e]));
  const capById = new Map(input.capabilities.map((c) => [c.id, c]));
  const open = indexOpenDeltas(input.pendingDeltas, input.sessionId);
  const groups = new Map<string, EntityMention[]>();
  for (const m of input.mentions) {
    const g = groups.get(m.entityId);
    if (g) g.push(m);
    else groups.set(m.entityId, [m]); // no throw-away array and second set per mention
  }
  const deltas: WorldDelta[] = [];
  for (const [entityId, group] of groups) {
    const first = group[0] as EntityMention;
    const canon = canonById.get(entityId);
    const merged = mergeChanges(group, canon);
    const caps: CapabilityRef[] = [];
    for (const m of group)
      for (const r of m.capabilityRefs) {
        if (caps.some((c) => c.capabilityId === r.capabilityId)) continue;
        // Re-check against the operator's current list: an id it no longer knows is flagged.
        const cap = capById.get(r.capabilityId);
        caps.push(cap ? { ...r, severity: cap.severity, known: true } : { ...r, severity: 'unknown', known: false });
      }
    if (merged.length === 0 && caps.length === 0) continue;
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const { change } of merged) {
      before[change.field] = change.kind === 'control' ? (canon?.state.controlledBy ?? null) : (canon?.state.status ?? null);
      after[change.field] = change.to;
    }
    const confidence =
      merged.length > 0 ? Math.min(...merged.map((x) => x.confidence)) : Math.max(...group.map((m) => m.confidence));
    let deltaType: DeltaType = merged.length > 0 ? 'state-change' : 'retcon';
    let beforeOut: Record<string, unknown> | null = before;
    let afterOut = after;
    if (!canon) {
      // Lexicon knows it but canon does not (yet): propose the entity itself.
      deltaType = 'new-entity';
      beforeOut = null;
      afterOut = {
        entityId,
        entityType: first.entityType,
        canonicalName: first.canonicalName,
        aliases: [],
        tags: [],
        state: after,
      };
    }
    const conflicts = findConflicts(
      entityId,
      merged.map((x) => x.change),
      canon,
      open.get(entityId) ?? [],
    );
    const safety = safetyOf(
      confidence,
      caps,
      conflicts,
      merged.some((x) => x.hedged),
    );
    deltas.push({
      deltaId: input.newId(),
      sessionId: input.sessionId,
      entityId,
      entityType: first.entityType,
      canonicalName: first.canonicalName,
      deltaType,
      before: beforeOut,
      after: afterOut,
      proposedChanges: merged.map((x) => x.change),
      capabilityRefs: caps,
      confidence,
      confidenceTier: confidenceTier(confidence),
      source: group.map(sourceOf),
      safety,
      status: safety.requiresModeration ? 'needs-review' : 'pending',
      createdAt: input.now,
    });
  }
  for (const c of input.candidates) {
    if (canonById.has(c.proposedEntityId)) continue;
    const conflicts: DeltaConflict[] = (open.get(c.proposedEntityId) ?? []).map((d) => ({
      type: 'pending_delta_conflict',
      target: c.proposedEntityId,
      conflictingDeltaId: d.deltaId,
    }));
    const safety = safetyOf(c.confidence, [], conflicts);
    deltas.push({
      deltaId: input.newId(),
      sessionId: input.sessionId,
      entityId: c.proposedEntityId,
      entityType: c.entityType,
      canonicalName: c.name,
      deltaType: 'new-entity',
      before: null,
      after: { entityId: c.proposedEntityId, entityType: c.entityType, canonicalName: c.name, aliases: [], tags: [], state: {} },
      proposedChanges: [],
      capabilityRefs: [],
      confidence: c.confidence,
      confidenceTier: confidenceTier(c.confidence),
      source: [
        {
          mentionId: c.candidateId,
          turnId: c.source.turnId,
          sceneId: c.source.sceneId,
          sentenceIndex: c.source.sentenceIndex,
          confidence: c.confidence,
          sentence: c.sentence,
        },
      ],
      safety,
      status: safety.requiresModeration ? 'needs-review' : 'pending',
      createdAt: input.now,
    });
  }
  return deltas;
}
