import type { WorldDelta } from '../deltas/types.js';
import type { WorldEntity } from './types.js';

function cloneEntity(e: WorldEntity): WorldEntity {
  return { ...e, aliases: [...e.aliases], tags: [...e.tags], state: structuredClone(e.state) };
}

/**
 * Applies approved deltas to canon and returns a NEW entity list (inputs untouched).
 * Deltas whose status is not `approved` are ignored: canon only changes at publish time
 * and only through moderation (spec 6). Deltas apply in createdAt order so a later
 * approved change wins, as it would have in the story.
 */
export function applyDeltasToCanon(entities: WorldEntity[], approvedDeltas: WorldDelta[]): WorldEntity[] {
  const out = entities.map(cloneEntity);
  const index = new Map(out.map((e, i) => [e.entityId, i]));
  const ordered = approvedDeltas.filter((d) => d.status === 'approved').sort((a, b) => a.createdAt - b.createdAt);
  for (const d of ordered) {
    const at = index.get(d.entityId);
    if (d.deltaType === 'new-entity' && at === undefined) {
      const a = d.after;
      const created: WorldEntity = {
        entityId: d.entityId,
        entityType: d.entityType,
        canonicalName: typeof a.canonicalName === 'string' ? a.canonicalName : d.canonicalName,
        aliases: Array.isArray(a.aliases) ? a.aliases.filter((x): x is string => typeof x === 'string') : [],
        tags: Array.isArray(a.tags) ? a.tags.filter((x): x is string => typeof x === 'string') : [],
        state: typeof a.state === 'object' && a.state !== null ? structuredClone(a.state as WorldEntity['state']) : {},
      };
      index.set(created.entityId, out.length);
      out.push(created);
      continue;
    }
    if (at === undefined) continue; // a state change for an entity canon no longer has
    const target = out[at];
    if (!target) continue;
    const patch =
      d.deltaType === 'new-entity' && typeof d.after.state === 'object' ? (d.after.state as Record<string, unknown>) : d.after;
    target.state = { ...target.state, ...structuredClone(patch) };
  }
  return out;
}
