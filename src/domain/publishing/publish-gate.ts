import type { DeltaStatus, WorldDelta } from '../deltas/types.js';
import { applyDeltasToCanon } from '../world/apply-deltas-to-canon.js';
import type { WorldEntity } from '../world/types.js';

/**
 * The publish gate's rules, in one place: which deltas a batch publishes and applies to canon,
 * and what changes in canon when it does. The planner (prepare-publishing.ts) and the batch
 * workflow both ask here.
 */

/** Deltas that reach canon and lore when their batch publishes: approved by a moderator, or never needing review. */
export const PUBLISHABLE_STATUSES: ReadonlySet<DeltaStatus> = new Set<DeltaStatus>(['pending', 'approved']);

export function isPublishable(delta: Pick<WorldDelta, 'status'>): boolean {
  return PUBLISHABLE_STATUSES.has(delta.status);
}

/** What applying a batch's deltas does to canon. */
export interface CanonChange {
  /** The deltas applied, in the order given. */
  appliedDeltaIds: string[];
  /** Entities new or different after the change (only these need writing). */
  changedEntities: WorldEntity[];
}

/**
 * Apply a batch's deltas to canon at publish time: those publishable and not yet applied. A
 * delta that never needed review is approved by the gate itself at this moment.
 */
export function applyBatchToCanon(
  canon: WorldEntity[],
  deltas: ReadonlyArray<WorldDelta & { appliedAt: number | null }>,
): CanonChange {
  const applicable = deltas.filter((d) => isPublishable(d) && d.appliedAt === null);
  const approved = applicable.map((d) => (d.status === 'pending' ? { ...d, status: 'approved' as const } : d));
  const next = applyDeltasToCanon(canon, approved);
  const before = new Map(canon.map((e) => [e.entityId, JSON.stringify(e)]));
  return {
    appliedDeltaIds: applicable.map((d) => d.deltaId),
    changedEntities: next.filter((e) => before.get(e.entityId) !== JSON.stringify(e)),
  };
}
