import { type IdSource, randomIds } from '../clock.js';
import { buildLexicon, type Lexicon, mergeWorldFile, parseWorldFile, type WorldEntity, type WorldFile } from '../domain/index.js';
import { isDomainValidationError } from '../domain/errors.js';
import { decodeCursor, encodeCursor, pageSize } from '../cursors.js';
import { AfterwordError } from '../errors.js';
import type { SqlExecutor } from '../store/ports.js';
import type { Store } from '../store/store.js';
import type { Tx } from '../telemetry/outbox.js';
import { canonTopics } from './canon-topics.js';
import {
  deleteAllEntities,
  getEntity,
  getWorldMeta,
  insertEntityChanges,
  loadEntities,
  loadStoredEntities,
  pageEntities,
  pageEntityChanges,
  upsertImportedEntities,
  type WorldMeta,
  writeWorldMeta,
} from './world-store.js';

export interface WorldSnapshot {
  meta: WorldMeta | null;
  entities: WorldEntity[];
  lexicon: Lexicon;
}

/**
 * The canonical world as the stages see it. The lexicon is the expensive part of extraction,
 * so it is built once per world version and shared by every job in the process.
 */
export class WorldCatalog {
  private cached: { version: number; snapshot: WorldSnapshot } | undefined;

  constructor(
    private readonly store: Store<Tx>,
    private readonly ids: IdSource = randomIds,
  ) {}

  async snapshot(db: SqlExecutor = this.store.driver): Promise<WorldSnapshot> {
    const meta = await getWorldMeta(db);
    const version = meta?.version ?? 0;
    if (this.cached && this.cached.version === version) return this.cached.snapshot;
    const entities = await loadEntities(db);
    const snapshot = { meta, entities, lexicon: buildLexicon({ entities, capabilities: meta?.capabilities ?? [] }) };
    this.cached = { version, snapshot };
    return snapshot;
  }

  /**
   * Import an operator's world file; refused whole, naming the entry, when invalid. The same world
   * is merged into the canon (`mergeWorldFile`: new entities added, fields the file edited updated,
   * canon the pipeline applied kept, conflicts reported per field), each change recorded in the
   * entity's history; a file of another world replaces the canon.
   */
  async importWorld(json: unknown, actor = 'operator') {
    let world: ReturnType<typeof parseWorldFile>;
    try {
      world = parseWorldFile(json);
    } catch (error) {
      if (isDomainValidationError(error)) {
        throw new AfterwordError('invalid_world_file', `world file refused: ${error.message}`, {
          issues: error.issues,
          retryable: false,
        });
      }
      throw error;
    }
    return this.store.transact(async (tx) => {
      const previous = await getWorldMeta(tx);
      // A file of another world replaces the canon; the same world's file is merged into it.
      const replacing = previous !== null && previous.worldId !== world.worldId;
      if (replacing) await deleteAllEntities(tx);
      const merge = mergeWorldFile(replacing ? new Map() : await loadStoredEntities(tx), world);
      const version = await writeWorldMeta(tx, world, tx.now);
      await upsertImportedEntities(tx, merge.upserts, tx.now);
      await insertEntityChanges(
        tx,
        merge.changes.map((c) => ({
          id: this.ids.uuid(),
          ...c,
          source: 'import' as const,
          deltaId: null,
          sessionId: null,
          approvedBy: actor,
          worldVersion: version,
          changedAt: tx.now,
        })),
      );
      const report = {
        worldId: world.worldId,
        version,
        entities: world.entities.length,
        capabilities: world.capabilities.length,
        merged: !replacing && previous !== null,
        added: merge.added.length,
        updated: merge.updated.length,
        fieldsChanged: merge.changes.length,
        notInFile: merge.notInFile,
        conflicts: merge.conflicts,
      };
      await canonTopics.emit(tx, 'world.imported', {
        worldId: world.worldId,
        version,
        entities: world.entities.length,
        actor,
        added: report.added,
        updated: report.updated,
        conflicts: merge.conflicts.length,
      });
      return report;
    });
  }

  /** An entity's change history, newest first: which import or delta (session, approver) changed which field. */
  async history(entityId: string, query: { limit?: number | undefined; cursor?: string | undefined } = {}) {
    await this.entity(entityId);
    const limit = pageSize(query.limit);
    const items = await pageEntityChanges(this.store.driver, entityId, decodeCursor('entityHistory', query.cursor), limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        items.length === limit && last ? encodeCursor('entityHistory', { changedAt: last.changedAt, id: last.id }) : null,
    };
  }

  /** The current canon as a world file (`afterword world export`): importing it changes nothing. */
  async exportWorld(): Promise<WorldFile> {
    const [meta, entities] = await Promise.all([getWorldMeta(this.store.driver), loadEntities(this.store.driver)]);
    if (!meta) throw new AfterwordError('not_found', 'no world imported yet: afterword world import FILE');
    return { worldId: meta.worldId, name: meta.name, version: meta.version, entities, capabilities: meta.capabilities };
  }

  async entity(entityId: string) {
    const entity = await getEntity(this.store.driver, entityId);
    if (!entity) throw new AfterwordError('not_found', `entity ${entityId} does not exist in the canonical world`);
    return entity;
  }

  async meta(): Promise<WorldMeta | null> {
    return getWorldMeta(this.store.driver);
  }

  entities(): Promise<WorldEntity[]> {
    return loadEntities(this.store.driver);
  }

  /** A page of entities by id (`GET /v1/world/entities`, `afterword world show`): never capped silently. */
  async entityPage(query: { limit?: number | undefined; cursor?: string | undefined }) {
    const limit = pageSize(query.limit);
    const items = await pageEntities(this.store.driver, decodeCursor('entities', query.cursor), limit);
    const last = items[items.length - 1];
    return { items, nextCursor: items.length === limit && last ? encodeCursor('entities', last.entityId) : null };
  }
}
