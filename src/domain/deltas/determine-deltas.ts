import type { CapabilityRef, EntityMention, ExtractionResult, NewEntityCandidate, ProposedChange } from '../extraction/types.js';
import type { ProhibitedCapability, WorldEntity } from '../world/types.js';
import { confidenceTier } from './confidence.js';
import { findConflicts, indexOpenDeltas, summarise } from './find-conflicts.js';
import { type AutoApprovePolicy, defaultAutoApprovePolicy, moderationReasons } from './moderation-policy.js';
import type { DeltaConflict, DeltaSourceEvent, DeltaType, OpenDelta, WorldDelta } from './types.js';

export interface DetermineDeltasInput {
  sessionId: string;
  mentions: EntityMention[];
  candidates: NewEntityCandidate[];
  /** Canonical world state from the store: never an empty stand-in (spec 9). */
  canon: WorldEntity[];
  capabilities: ProhibitedCapability[];
  /** Deltas from OTHER sessions still pending or needing review. */
  pendingDeltas: readonly OpenDelta[];
  /** Capability references extraction found where no entity is: each becomes a moderation item. */
  unattachedCapabilityRefs?: ExtractionResult['unattachedCapabilityRefs'];
  /** The auto-approve rules (config `moderation.autoApprove`). */
  policy?: AutoApprovePolicy;
  now: number;
  newId: () => string;
}

/**
 * One per mention, the most numerous object of the stage: `hedged` is added after the literal
 * (same key order as a spread of `{ hedged: true }`), as an object spread in a literal costs V8 a
 * runtime property copy per call.
 */
function sourceOf(m: EntityMention): DeltaSourceEvent {
  const source: DeltaSourceEvent = {
    mentionId: m.mentionId,
    turnId: m.source.turnId,
    sceneId: m.source.sceneId,
    sentenceIndex: m.source.sentenceIndex,
    confidence: m.confidence,
    sentence: m.sentence,
  };
  if (m.hedged) source.hedged = true;
  return source;
}

function safetyOf(
  facts: { confidence: number; deltaType: DeltaType; caps: CapabilityRef[]; hedged: boolean; unattached?: boolean },
  conflicts: DeltaConflict[],
  policy: AutoApprovePolicy,
): WorldDelta['safety'] {
  const { reasons, requiresModeration } = moderationReasons(
    {
      confidence: facts.confidence,
      deltaType: facts.deltaType,
      capabilities: facts.caps,
      conflicts: conflicts.length,
      hedged: facts.hedged,
      unattached: facts.unattached ?? false,
    },
    policy,
  );
  return { requiresModeration, reasons, conflicts };
}

/**
 * Merges one entity's mentions into its final changes: the last control change and the
 * last status change in transcript order win (the story's end state), each keeping the
 * confidence of the mention that said it. Changes canon already reflects are dropped.
 * In the order each field first appears (as a Map keyed by field would keep them). Indexed
 * loops and a field list, with an object only per winner: this runs once per entity of the
 * session, too few calls for the optimising compiler, and unoptimised for-of loops allocate an
 * iterator result per step (with an object per change, 1.2 MB of the 10k-turn llm-prose run).
 */
function mergeChanges(
  group: EntityMention[],
  canon: WorldEntity | undefined,
): Array<{ change: ProposedChange; confidence: number; hedged: boolean }> {
  const fields: string[] = [];
  const changes: ProposedChange[] = [];
  const by: EntityMention[] = [];
  for (let g = 0; g < group.length; g++) {
    const m = group[g] as EntityMention;
    const proposed = m.proposedChanges;
    for (let j = 0; j < proposed.length; j++) {
      const c = proposed[j] as ProposedChange;
      let f = fields.indexOf(c.field);
      if (f < 0) f = fields.push(c.field) - 1;
      changes[f] = c;
      by[f] = m;
    }
  }
  const out: Array<{ change: ProposedChange; confidence: number; hedged: boolean }> = [];
  for (let f = 0; f < fields.length; f++) {
    const change = changes[f] as ProposedChange;
    const kept =
      change.kind === 'control' ? (canon?.state.controlledBy ?? null) !== change.to : canon?.state.status !== change.to;
    if (!kept) continue;
    const m = by[f] as EntityMention;
    out.push({ change, confidence: m.confidence, hedged: m.hedged === true });
  }
  return out;
}

/**
 * Stage 4 (spec 6): ONE delta per entity per session. Entities mentioned without a change
 * or a capability reference produce no delta: a delta proposes a change to canon.
 * A capability reference with no state change is a `retcon` (the story bent a world rule).
 * Status: `needs-review` when any moderation reason applies, else `pending`.
 */
export function determineDeltas(input: DetermineDeltasInput): WorldDelta[] {
  const policy = input.policy ?? defaultAutoApprovePolicy;
  const canonById = new Map(input.canon.map((e) => [e.entityId, e]));
  const capById = new Map(input.capabilities.map((c) => [c.id, c]));
  const open = indexOpenDeltas(input.pendingDeltas, input.sessionId);
  const groups = new Map<string, EntityMention[]>();
  // Indexed loops over mentions (see mergeChanges: this function runs once per session).
  const mentions = input.mentions;
  for (let i = 0; i < mentions.length; i++) {
    const m = mentions[i] as EntityMention;
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
    for (let g = 0; g < group.length; g++) {
      const refs = (group[g] as EntityMention).capabilityRefs;
      for (let j = 0; j < refs.length; j++) {
        const r = refs[j] as CapabilityRef;
        if (caps.some((c) => c.capabilityId === r.capabilityId)) continue;
        // Re-check against the operator's current list: an id it no longer knows is flagged.
        const cap = capById.get(r.capabilityId);
        caps.push(cap ? { ...r, severity: cap.severity, known: true } : { ...r, severity: 'unknown', known: false });
      }
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
    // A reported or rumoured change needs a moderator whatever its confidence (issue 14's flag).
    const hedged = merged.some((x) => x.hedged);
    const safety = safetyOf({ confidence, deltaType, caps, hedged }, conflicts, policy);
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
    const rivals = open.get(c.proposedEntityId) ?? [];
    const conflicts: DeltaConflict[] =
      rivals.length > 0 ? [{ type: 'pending_delta_conflict', target: c.proposedEntityId, ...summarise(rivals) }] : [];
    const safety = safetyOf({ confidence: c.confidence, deltaType: 'new-entity', caps: [], hedged: false }, conflicts, policy);
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
  deltas.push(...unattachedDeltas(input, capById, policy));
  return deltas;
}

/**
 * A prohibited capability named where no entity is ("A stranger turned back time") is never
 * dropped: one delta per capability (type `retcon`, nothing to apply to
 * canon; entity id = the capability's id) that always needs review, with the sentences as evidence.
 */
function unattachedDeltas(
  input: DetermineDeltasInput,
  capById: Map<string, ProhibitedCapability>,
  policy: AutoApprovePolicy,
): WorldDelta[] {
  const byCapability = new Map<string, NonNullable<DetermineDeltasInput['unattachedCapabilityRefs']>>();
  for (const u of input.unattachedCapabilityRefs ?? []) {
    const list = byCapability.get(u.ref.capabilityId) ?? [];
    list.push(u);
    byCapability.set(u.ref.capabilityId, list);
  }
  const out: WorldDelta[] = [];
  for (const [capabilityId, refs] of byCapability) {
    const first = refs[0] as (typeof refs)[number];
    const cap = capById.get(capabilityId);
    const ref: CapabilityRef = cap
      ? { ...first.ref, severity: cap.severity, known: true }
      : { ...first.ref, severity: 'unknown', known: false };
    const confidence = 1;
    const safety = safetyOf({ confidence, deltaType: 'retcon', caps: [ref], hedged: false, unattached: true }, [], policy);
    out.push({
      deltaId: input.newId(),
      sessionId: input.sessionId,
      entityId: capabilityId.startsWith('capability.') ? capabilityId : `capability.${capabilityId}`,
      entityType: 'capability',
      canonicalName: cap?.label ?? capabilityId,
      deltaType: 'retcon',
      before: null,
      after: { capabilityId, severity: ref.severity, unattached: true },
      proposedChanges: [],
      capabilityRefs: [ref],
      confidence,
      confidenceTier: confidenceTier(confidence),
      source: refs.map((u, i) => ({
        mentionId: `unattached:${capabilityId}:${i}`,
        turnId: u.source.turnId,
        sceneId: u.source.sceneId,
        sentenceIndex: u.source.sentenceIndex,
        confidence,
        sentence: u.sentence,
      })),
      safety,
      status: 'needs-review',
      createdAt: input.now,
    });
  }
  return out;
}
