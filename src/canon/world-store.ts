import type { ProhibitedCapability, WorldEntity, WorldFile } from '../domain/index.js';
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

/** Replace the world (operators' `world import`): the version goes up by one. */
export async function replaceWorld(db: SqlExecutor, world: WorldFile, now: number): Promise<number> {
  const previous = await getWorldMeta(db);
  const version = (previous?.version ?? 0) + 1;
  await db.run('DELETE FROM world_entities');
  await upsertEntities(db, world.entities, now);
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
