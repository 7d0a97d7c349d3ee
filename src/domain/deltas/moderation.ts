import type { Cadence } from '../publishing/cadence.js';
import type { DeltaConflict, DeltaStatus, ModerationAction, ModerationDecision, ModerationReason, WorldDelta } from './types.js';

export const DECISION_STATUS: Readonly<Record<ModerationAction, DeltaStatus>> = Object.freeze({
  approve: 'approved',
  reject: 'rejected',
  rewrite: 'rewrite-requested',
  escalate: 'escalated',
});

/**
 * Delta lifecycle: pending | needs-review -> approved | rejected | rewrite-requested |
 * escalated; escalated -> any decision again. A decision "covers" a delta for the
 * publishing gate when it settles what this batch does with it (approve, reject, rewrite);
 * an escalation hands it to someone senior and still blocks the batch.
 */
export const COVERING_ACTIONS: ReadonlySet<ModerationAction> = new Set(['approve', 'reject', 'rewrite']);

/** Latest decision per delta, by decidedAt (ties: later in the list wins). */
export function latestDecisions(decisions: ModerationDecision[]): Map<string, ModerationDecision> {
  const map = new Map<string, ModerationDecision>();
  for (const d of decisions) {
    const prev = map.get(d.deltaId);
    if (!prev || d.decidedAt >= prev.decidedAt) map.set(d.deltaId, d);
  }
  return map;
}

export function applyModerationDecisions(deltas: WorldDelta[], decisions: ModerationDecision[]): WorldDelta[] {
  const latest = latestDecisions(decisions);
  return deltas.map((d) => {
    const dec = latest.get(d.deltaId);
    return dec ? { ...d, status: DECISION_STATUS[dec.decision] } : d;
  });
}

export function isCovered(delta: WorldDelta, latest: Map<string, ModerationDecision>): boolean {
  const dec = latest.get(delta.deltaId);
  return dec !== undefined && COVERING_ACTIONS.has(dec.decision);
}

export interface ModerationQueueItem {
  deltaId: string;
  sessionId: string;
  entityId: string;
  canonicalName: string;
  deltaType: WorldDelta['deltaType'];
  status: DeltaStatus;
  reasons: ModerationReason[];
  conflicts: DeltaConflict[];
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
  confidence: number;
  capabilityRefs: WorldDelta['capabilityRefs'];
  decision: ModerationDecision | null;
  /** ms until the moderation window closes (0 once closed). */
  countdownMs: number;
  nextEscalationAt: number | null;
}

export interface ModerationQueue {
  windowOpensAt: number;
  windowClosesAt: number;
  windowState: 'not_open' | 'open' | 'closed';
  items: ModerationQueueItem[];
  /** Items still waiting for a covering decision. */
  pendingCount: number;
}

/** The session's moderation queue: every delta that needs review, decided or not. */
export function buildModerationQueue(
  deltas: WorldDelta[],
  decisions: ModerationDecision[],
  cadence: Cadence,
  now: number,
): ModerationQueue {
  const latest = latestDecisions(decisions);
  const { opensAt, closesAt } = cadence.moderationWindow;
  const nextEscalationAt = cadence.escalations.filter((t) => t > now).sort((a, b) => a - b)[0] ?? null;
  const items = deltas
    .filter((d) => d.safety.requiresModeration)
    .map((d): ModerationQueueItem => {
      const dec = latest.get(d.deltaId) ?? null;
      return {
        deltaId: d.deltaId,
        sessionId: d.sessionId,
        entityId: d.entityId,
        canonicalName: d.canonicalName,
        deltaType: d.deltaType,
        status: dec ? DECISION_STATUS[dec.decision] : d.status,
        reasons: d.safety.reasons,
        conflicts: d.safety.conflicts,
        before: d.before,
        after: d.after,
        confidence: d.confidence,
        capabilityRefs: d.capabilityRefs,
        decision: dec,
        countdownMs: Math.max(0, closesAt - now),
        nextEscalationAt: isCovered(d, latest) ? null : nextEscalationAt,
      };
    });
  return {
    windowOpensAt: opensAt,
    windowClosesAt: closesAt,
    windowState: now < opensAt ? 'not_open' : now < closesAt ? 'open' : 'closed',
    items,
    pendingCount: items.filter((i) => !i.decision || !COVERING_ACTIONS.has(i.decision.decision)).length,
  };
}
