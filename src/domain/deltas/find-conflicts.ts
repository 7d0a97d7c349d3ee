import type { ProposedChange } from '../extraction/types.js';
import type { WorldEntity } from '../world/types.js';
import type { DeltaConflict, OpenDelta } from './types.js';

const OPEN: ReadonlySet<string> = new Set(['pending', 'needs-review']);

/** Deltas from OTHER sessions that still wait for moderation or publication, by entity. */
export function indexOpenDeltas(pending: readonly OpenDelta[], sessionId: string): Map<string, OpenDelta[]> {
  const map = new Map<string, OpenDelta[]>();
  for (const d of pending) {
    if (d.sessionId === sessionId || !OPEN.has(d.status)) continue;
    const list = map.get(d.entityId) ?? [];
    list.push(d);
    map.set(d.entityId, list);
  }
  return map;
}

/** One line for all the rival proposals of a field: the first, every id, how many sessions. */
export function summarise(rivals: readonly OpenDelta[]) {
  return {
    conflictingDeltaId: (rivals[0] as OpenDelta).deltaId,
    conflictingDeltaIds: rivals.map((d) => d.deltaId),
    sessions: new Set(rivals.map((d) => d.sessionId)).size,
  };
}

/**
 * Conflicts for one entity's merged changes, against canon and against other sessions'
 * open deltas (one summarised conflict per field, however many sessions). A control change is consistent with canon when canon has no owner, when the
 * new owner already holds it, or when the story names the canon owner as the loser
 * ("seized X from <owner>"); otherwise it collides with the current owner.
 */
export function findConflicts(
  entityId: string,
  changes: ProposedChange[],
  canon: WorldEntity | undefined,
  open: readonly OpenDelta[],
): DeltaConflict[] {
  const out: DeltaConflict[] = [];
  for (const c of changes) {
    if (c.kind === 'control') {
      const owner = canon?.state.controlledBy;
      if (typeof owner === 'string' && owner !== c.to && owner !== c.from) {
        out.push({ type: 'control_collision', target: entityId, currentOwner: owner });
      }
      const rivals = open.filter((d) => 'controlledBy' in d.after && d.after.controlledBy !== c.to);
      if (rivals.length > 0) out.push({ type: 'pending_delta_conflict', target: entityId, ...summarise(rivals) });
    } else {
      const previous = typeof canon?.state.status === 'string' ? canon.state.status : null;
      const rivals = open.filter((d) => 'status' in d.after && d.after.status !== c.to);
      if (rivals.length > 0)
        out.push({ type: 'status_conflict', target: entityId, previous, proposed: c.to, ...summarise(rivals) });
    }
  }
  return out;
}
