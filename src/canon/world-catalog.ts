import { buildLexicon, type Lexicon, parseWorldFile, type WorldEntity } from '../domain/index.js';
import { isDomainValidationError } from '../domain/errors.js';
import { decodeCursor, encodeCursor, pageSize } from '../cursors.js';
import { AfterwordError } from '../errors.js';
import type { SqlExecutor } from '../store/ports.js';
import type { Store } from '../store/store.js';
import type { Tx } from '../telemetry/outbox.js';
import { canonTopics } from './canon-topics.js';
import { getEntity, getWorldMeta, loadEntities, pageEntities, replaceWorld, type WorldMeta } from './world-store.js';

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

  constructor(private readonly store: Store<Tx>) {}

  async snapshot(db: SqlExecutor = this.store.driver): Promise<WorldSnapshot> {
    const meta = await getWorldMeta(db);
    const version = meta?.version ?? 0;
    if (this.cached && this.cached.version === version) return this.cached.snapshot;
    const entities = await loadEntities(db);
    const snapshot = { meta, entities, lexicon: buildLexicon({ entities, capabilities: meta?.capabilities ?? [] }) };
    this.cached = { version, snapshot };
    return snapshot;
  }

  /** Replace the world from an operator's file; refused whole, naming the entry, when invalid. */
  async importWorld(
    json: unknown,
    actor = 'operator',
  ): Promise<{ worldId: string; version: number; entities: number; capabilities: number }> {
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
      const version = await replaceWorld(tx, world, tx.now);
      await canonTopics.emit(tx, 'world.imported', { worldId: world.worldId, version, entities: world.entities.length, actor });
      return { worldId: world.worldId, version, entities: world.entities.length, capabilities: world.capabilities.length };
    });
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
