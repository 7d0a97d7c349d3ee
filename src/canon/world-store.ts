import type { ProhibitedCapability, StoredCanonEntity, WorldEntity, WorldFile } from '../domain/index.js';
import { insertRows } from '../store/insert-rows.js';
import { readInt, readJson, type SqlExecutor } from '../store/ports.js';

/** Canonical world state: the entities, the prohibited capabilities and a version counter. */

export interface WorldMeta {
  worldId: string;
  name: string;
  version: number;
  capabilities: ProhibitedCapability[];
  updatedAt: number;
}

export async function getWorldMeta(db: SqlExecutor): Promise<WorldMeta | null> {
  const [row] = await db.query('SELECT * FROM world_meta WHERE id = 1');
  if (!row) return null;
  return {
    worldId: String(row.world_id),
    name: String(row.name),
    version: readInt(row.version),
    capabilities: readJson<ProhibitedCapability[]>(row.capabilities, []),
    updatedAt: readInt(row.updated_at),
  };
}

export async function loadEntities(db: SqlExecutor): Promise<WorldEntity[]> {
  const rows = await db.query('SELECT record FROM world_entities ORDER BY entity_id');
  return rows.map((r) => readJson<WorldEntity>(r.record, null as never));
}

/** One page of canonical entities by id, after `afterId`. */
export async function pageEntities(db: SqlExecutor, afterId: string | undefined, limit: number): Promise<WorldEntity[]> {
  const rows = await db.query(
    `SELECT record FROM world_entities ${afterId === undefined ? '' : 'WHERE entity_id > ?'} ORDER BY entity_id LIMIT ?`,
    afterId === undefined ? [limit] : [afterId, limit],
  );
  return rows.map((r) => readJson<WorldEntity>(r.record, null as never));
}

export async function getEntity(db: SqlExecutor, entityId: string): Promise<(WorldEntity & { revision: number }) | null> {
  const [row] = await db.query('SELECT record, revision FROM world_entities WHERE entity_id = ?', [entityId]);
  return row ? { ...readJson<WorldEntity>(row.record, null as never), revision: readInt(row.revision) } : null;
}

export async function upsertEntities(db: SqlExecutor, entities: WorldEntity[], now: number): Promise<void> {
  for (const entity of entities) {
    await db.run(
      `INSERT INTO world_entities (entity_id, entity_type, canonical_name, record, revision, updated_at) VALUES (?, ?, ?, ?, 1, ?)
       ON CONFLICT (entity_id) DO UPDATE SET entity_type = excluded.entity_type, canonical_name = excluded.canonical_name,
         record = excluded.record, revision = world_entities.revision + 1, updated_at = excluded.updated_at`,
      [entity.entityId, entity.entityType, entity.canonicalName, JSON.stringify(entity), now],
    );
  }
}

/** Every entity with the file version it was last imported as (what a re-import merges against). */
export async function loadStoredEntities(db: SqlExecutor): Promise<Map<string, StoredCanonEntity>> {
  const rows = await db.query('SELECT entity_id, record, imported FROM world_entities ORDER BY entity_id');
  return new Map(
    rows.map((r) => [
      String(r.entity_id),
      {
        record: readJson<WorldEntity>(r.record, null as never),
        imported: r.imported === null || r.imported === undefined ? null : readJson<WorldEntity>(r.imported, null as never),
      },
    ]),
  );
}

/** Write merged entities with the file version each was imported as. */
export async function upsertImportedEntities(
  db: SqlExecutor,
  entities: ReadonlyArray<{ record: WorldEntity; imported: WorldEntity }>,
  now: number,
): Promise<void> {
  for (const { record, imported } of entities) {
    await db.run(
      `INSERT INTO world_entities (entity_id, entity_type, canonical_name, record, imported, revision, updated_at)
       VALUES (?, ?, ?, ?, ?, 1, ?)
       ON CONFLICT (entity_id) DO UPDATE SET entity_type = excluded.entity_type, canonical_name = excluded.canonical_name,
         record = excluded.record, imported = excluded.imported, revision = world_entities.revision + 1,
         updated_at = excluded.updated_at`,
      [record.entityId, record.entityType, record.canonicalName, JSON.stringify(record), JSON.stringify(imported), now],
    );
  }
}

/** Who changed an entity's field, and how: an import, or an applied delta (its session and approver). */
export interface EntityChange {
  id: string;
  entityId: string;
  field: string;
  before: unknown;
  after: unknown;
  source: 'import' | 'delta';
  deltaId: string | null;
  sessionId: string | null;
  approvedBy: string | null;
  worldVersion: number;
  changedAt: number;
}

export async function insertEntityChanges(db: SqlExecutor, changes: readonly EntityChange[]): Promise<void> {
  await insertRows(
    db,
    'world_entity_changes',
    [
      'id',
      'entity_id',
      'field',
      'before_value',
      'after_value',
      'source',
      'delta_id',
      'session_id',
      'approved_by',
      'world_version',
      'changed_at',
    ],
    changes.map((c) => [
      c.id,
      c.entityId,
      c.field,
      // Wrapped: a bare JSON string would come back from a jsonb column already decoded.
      JSON.stringify({ v: c.before ?? null }),
      JSON.stringify({ v: c.after ?? null }),
      c.source,
      c.deltaId,
      c.sessionId,
      c.approvedBy,
      c.worldVersion,
      c.changedAt,
    ]),
  );
}

/** One page of an entity's change history, newest first, after the keyset `after`. */
export async function pageEntityChanges(
  db: SqlExecutor,
  entityId: string,
  after: { changedAt: number; id: string } | undefined,
  limit: number,
): Promise<EntityChange[]> {
  const rows = await db.query(
    `SELECT * FROM world_entity_changes WHERE entity_id = ?
       ${after ? 'AND (changed_at < ? OR (changed_at = ? AND id < ?))' : ''}
     ORDER BY changed_at DESC, id DESC LIMIT ?`,
    after ? [entityId, after.changedAt, after.changedAt, after.id, limit] : [entityId, limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    entityId: String(r.entity_id),
    field: String(r.field),
    before: readJson<{ v: unknown }>(r.before_value, { v: null }).v,
    after: readJson<{ v: unknown }>(r.after_value, { v: null }).v,
    source: r.source as EntityChange['source'],
    deltaId: (r.delta_id as string | null) ?? null,
    sessionId: (r.session_id as string | null) ?? null,
    approvedBy: (r.approved_by as string | null) ?? null,
    worldVersion: readInt(r.world_version),
    changedAt: readInt(r.changed_at),
  }));
}

/** The world's metadata from a file (`world import`); the version goes up by one. */
export async function writeWorldMeta(db: SqlExecutor, world: WorldFile, now: number): Promise<number> {
  const previous = await getWorldMeta(db);
  const version = (previous?.version ?? 0) + 1;
  await db.run(
    `INSERT INTO world_meta (id, world_id, name, version, capabilities, updated_at) VALUES (1, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET world_id = excluded.world_id, name = excluded.name, version = excluded.version,
       capabilities = excluded.capabilities, updated_at = excluded.updated_at`,
    [world.worldId, world.name, version, JSON.stringify(world.capabilities), now],
  );
  return version;
}

export async function bumpWorldVersion(db: SqlExecutor, now: number): Promise<void> {
  await db.run('UPDATE world_meta SET version = version + 1, updated_at = ? WHERE id = 1', [now]);
}

/** A file of another world replaces the canon whole (its entities go, their history stays). */
export async function deleteAllEntities(db: SqlExecutor): Promise<void> {
  await db.run('DELETE FROM world_entities');
}
