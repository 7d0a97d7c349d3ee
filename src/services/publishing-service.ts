import type { IdSource } from '../clock.js';
import {
  allBatches,
  getBatch,
  insertScheduleOverride,
  listBatches,
  publishedDocuments,
  type LoreHit,
  updateBatch,
} from '../canon/publishing-store.js';
import type { SearchIndex } from '../canon/search-index.js';
import { decodeCursor, encodeCursor, pageSize } from '../cursors.js';
import type { AfterwordConfig } from '../config.js';
import { applyOverride } from '../domain/index.js';
import { isDomainValidationError } from '../domain/errors.js';
import type { WorkflowEngine } from '../engine/workflow-engine.js';
import { AfterwordError, invalidInput } from '../errors.js';
import { getSession, updateCadence } from '../sessions/session-store.js';
import type { Store } from '../store/store.js';
import type { Tx } from '../telemetry/outbox.js';
import { publishingTopics } from '../workflow/publishing-topics.js';
import { batchWorkflowName } from '../workflow/publishing-workflows.js';

/** The publishing schedule (one cadence per session), operator overrides, and lore search. */
export class PublishingService {
  constructor(
    private readonly deps: {
      store: Store<Tx>;
      engine: WorkflowEngine;
      config: AfterwordConfig;
      ids: IdSource;
      searchIndex: SearchIndex;
    },
  ) {}

  batches(query: { sessionId?: string | undefined; status?: string | undefined; limit?: number }) {
    return listBatches(this.deps.store.driver, query);
  }

  /** A page of batches, latest scheduled first (`GET /v1/publishing/batches`): never capped silently. */
  async batchPage(query: {
    sessionId?: string | undefined;
    status?: string | undefined;
    limit?: number | undefined;
    cursor?: string | undefined;
  }) {
    const limit = pageSize(query.limit);
    const items = await listBatches(this.deps.store.driver, {
      sessionId: query.sessionId,
      status: query.status,
      after: decodeCursor('batches', query.cursor),
      limit,
    });
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        items.length === limit && last ? encodeCursor('batches', { scheduledAt: last.scheduledAt, batchId: last.batchId }) : null,
    };
  }

  async batch(batchId: string) {
    const batch = await getBatch(this.deps.store.driver, batchId);
    if (!batch) throw new AfterwordError('batch_not_found', `batch ${batchId} does not exist`);
    return batch;
  }

  async schedule(sessionId: string) {
    const session = await getSession(this.deps.store.driver, sessionId);
    if (!session) throw new AfterwordError('session_not_found', `session ${sessionId} does not exist`);
    const batches = await allBatches(this.deps.store.driver, { sessionId });
    return { sessionId, cadence: session.cadence, batches };
  }

  /**
   * Defer (or advance) a session's lore batch; capped at `cadence.maxOverrideMs` after the planned
   * time. The cadence, the batch row and the due-later job move together (the job through the
   * engine, which records it and wakes workers if it is due sooner), and the override is recorded.
   */
  async override(sessionId: string, input: { batchAt: unknown; actor: string; reason?: string | undefined }) {
    const batchAt = typeof input.batchAt === 'string' ? Date.parse(input.batchAt) : input.batchAt;
    if (typeof batchAt !== 'number' || !Number.isFinite(batchAt)) {
      throw invalidInput([{ field: 'batchAt', reason: 'must be an ISO-8601 time or epoch milliseconds' }]);
    }
    return this.deps.store.transact(async (tx) => {
      const session = await getSession(tx, sessionId);
      if (!session) throw new AfterwordError('session_not_found', `session ${sessionId} does not exist`);
      if (!session.cadence)
        throw new AfterwordError('invalid_input', `session ${sessionId} has no cadence yet (close it first)`, {
          issues: [{ field: 'sessionId', reason: 'session is not closed' }],
        });
      let cadence: ReturnType<typeof applyOverride>;
      try {
        cadence = applyOverride(session.cadence, batchAt, this.deps.config.cadence, {
          appliedAt: tx.now,
          actor: input.actor,
          note: input.reason ?? null,
        });
      } catch (error) {
        if (isDomainValidationError(error)) {
          throw new AfterwordError(
            error.code === 'override_exceeds_limit' ? 'override_exceeds_limit' : 'invalid_input',
            error.message,
            { issues: error.issues, retryable: false },
          );
        }
        throw error;
      }
      await updateCadence(tx, sessionId, cadence, tx.now);
      const batches = await allBatches(tx, { sessionId });
      for (const batch of batches.filter((b) => b.status !== 'published')) {
        await updateBatch(
          tx,
          { ...batch, scheduledAt: cadence.nextBatchAt, plan: { ...batch.plan, scheduledAt: cadence.nextBatchAt } },
          tx.now,
        );
        const jobs = await this.deps.engine.listJobs(
          { workflow: batchWorkflowName, idempotencyKey: `batch:${batch.batchId}`, limit: 1 },
          tx,
        );
        for (const job of jobs.filter((j) => j.status === 'queued' || j.status === 'retrying')) {
          await this.deps.engine.reschedule(tx, job.jobId, cadence.nextBatchAt, input.actor);
        }
        await insertScheduleOverride(
          tx,
          {
            id: this.deps.ids.uuid(),
            sessionId,
            batchId: batch.batchId,
            previousAt: batch.scheduledAt,
            requestedAt: cadence.nextBatchAt,
            actor: input.actor,
            reason: input.reason ?? null,
          },
          tx.now,
        );
      }
      await publishingTopics.emit(tx, 'telemetry.publish.schedule.overridden', {
        sessionId,
        nextBatchAt: cadence.nextBatchAt,
        actor: input.actor,
      });
      return { sessionId, cadence };
    });
  }

  /** A page of search hits (`GET /v1/lore/search`); the cursor says how many hits came before. */
  async searchPage(query: unknown, options: { limit?: number | undefined; cursor?: string | undefined } = {}) {
    const limit = pageSize(options.limit ?? 20, 100);
    const offset = decodeCursor('lore', options.cursor) ?? 0;
    const items = await this.search(query, limit, offset);
    return { items, nextCursor: items.length === limit ? encodeCursor('lore', offset + limit) : null };
  }

  async search(query: unknown, limit = 20, offset = 0) {
    if (typeof query !== 'string' || query.length > 200) {
      throw invalidInput([{ field: 'q', reason: 'must be a search text of at most 200 characters' }]);
    }
    // Nothing to search for is an empty result, not an error.
    if (query.trim() === '') return [];
    const { driver } = this.deps.store;
    const matches = await this.deps.searchIndex.search(driver, query.trim(), {
      limit: Math.min(Math.max(limit, 1), 100),
      offset,
    });
    const docs = await publishedDocuments(
      driver,
      matches.map((m) => m.docId),
    );
    // In the index's rank order; a match the store no longer publishes is left out.
    return matches.flatMap((m): LoreHit[] => {
      const d = docs.get(m.docId);
      return d
        ? [
            {
              docId: d.docId,
              kind: d.kind,
              entityId: d.entityId,
              sessionId: d.sessionId,
              title: d.title,
              snippet: m.snippet,
              version: d.version,
              publishedAt: d.publishedAt,
            },
          ]
        : [];
    });
  }
}
