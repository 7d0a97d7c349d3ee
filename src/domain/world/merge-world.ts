import type { WorldEntity, WorldFile } from './types.js';

/** One changed field of an entity: `canonicalName`, `aliases`, `tags`, `entityType` or `state.<key>`. */
export interface FieldChange {
  entityId: string;
  field: string;
  before: unknown;
  after: unknown;
}

/** A field the file edited that the pipeline had changed too: the canon keeps the pipeline's value. */
export interface FieldConflict {
  entityId: string;
  field: string;
  /** What the canon holds (kept). */
  canon: unknown;
  /** What this file says. */
  file: unknown;
  /** What the previous import said (both sides moved away from it). */
  previousFile: unknown;
}

export interface StoredCanonEntity {
  record: WorldEntity;
  /** The entity as the last imported file said it; null when unknown. */
  imported: WorldEntity | null;
}

export interface WorldMerge {
  /** Entities to write: the merged record and the file's version of it. */
  upserts: Array<{ record: WorldEntity; imported: WorldEntity }>;
  changes: FieldChange[];
  conflicts: FieldConflict[];
  added: string[];
  updated: string[];
  /** In the canon but not in this file: kept (the pipeline may have created them, or the file dropped them). */
  notInFile: string[];
}

/** JSON with sorted keys: two values are the same field value when these are equal. */
export function stableJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

const same = (a: unknown, b: unknown) => stableJson(a) === stableJson(b);

/** The entity as fields: top-level ones and one per state key. */
export function entityFields(entity: WorldEntity | null): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!entity) return out;
  out.set('entityType', entity.entityType);
  out.set('canonicalName', entity.canonicalName);
  out.set('aliases', entity.aliases);
  out.set('tags', entity.tags);
  for (const [key, value] of Object.entries(entity.state ?? {})) if (value !== undefined) out.set(`state.${key}`, value);
  return out;
}

function withField(entity: WorldEntity, field: string, value: unknown): WorldEntity {
  if (field.startsWith('state.')) {
    const key = field.slice('state.'.length);
    const state = { ...entity.state };
    if (value === undefined) delete state[key];
    else state[key] = value;
    return { ...entity, state };
  }
  return { ...entity, [field]: value } as WorldEntity;
}

/** The fields that differ between two versions of an entity (for its change history). */
export function fieldChanges(before: WorldEntity | null, after: WorldEntity): FieldChange[] {
  const a = entityFields(before);
  const b = entityFields(after);
  const out: FieldChange[] = [];
  for (const field of new Set([...a.keys(), ...b.keys()])) {
    if (!same(a.get(field), b.get(field)))
      out.push({ entityId: after.entityId, field, before: a.get(field) ?? null, after: b.get(field) ?? null });
  }
  return out;
}

/**
 * Re-importing a world file merges it into the canon, field by field, three ways: the canon, the
 * file, and what the previous import said (`imported`).
 * - a field the file did not change since the previous import keeps the canon's value (so canon
 *   the pipeline applied survives);
 * - a field the file changed, which the canon still has as previously imported, takes the file's value;
 * - a field both changed, to different values, is a conflict: the canon keeps its value and the
 *   conflict is reported, field by field;
 * - entities new in the file are added; entities the file no longer has are kept and listed.
 * Pure: the store writes what it returns.
 */
export function mergeWorldFile(current: ReadonlyMap<string, StoredCanonEntity>, file: WorldFile): WorldMerge {
  const merge: WorldMerge = { upserts: [], changes: [], conflicts: [], added: [], updated: [], notInFile: [] };
  const inFile = new Set<string>();
  for (const entity of file.entities) {
    inFile.add(entity.entityId);
    const stored = current.get(entity.entityId);
    if (!stored) {
      merge.added.push(entity.entityId);
      merge.upserts.push({ record: entity, imported: entity });
      merge.changes.push(...fieldChanges(null, entity));
      continue;
    }
    const base = entityFields(stored.imported ?? stored.record);
    const canon = entityFields(stored.record);
    const next = entityFields(entity);
    let record = stored.record;
    for (const field of new Set([...base.keys(), ...canon.keys(), ...next.keys()])) {
      const fileValue = next.get(field);
      const baseValue = base.get(field);
      const canonValue = canon.get(field);
      if (same(fileValue, baseValue) || same(fileValue, canonValue)) continue;
      if (same(canonValue, baseValue)) {
        record = withField(record, field, fileValue);
        merge.changes.push({ entityId: entity.entityId, field, before: canonValue ?? null, after: fileValue ?? null });
      } else {
        merge.conflicts.push({
          entityId: entity.entityId,
          field,
          canon: canonValue ?? null,
          file: fileValue ?? null,
          previousFile: baseValue ?? null,
        });
      }
    }
    if (record !== stored.record) merge.updated.push(entity.entityId);
    // The file's version becomes the base of the next merge, whether or not anything changed.
    if (record !== stored.record || !same(stored.imported, entity)) merge.upserts.push({ record, imported: entity });
  }
  for (const entityId of current.keys()) if (!inFile.has(entityId)) merge.notInFile.push(entityId);
  return merge;
}
