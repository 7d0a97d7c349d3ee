import { decisionsFor, deltasOfBatch, markApplied } from '../canon/delta-store.js';
import {
  getBatch,
  type LoreDocument,
  markBatchPublished,
  publishDocument,
  publishedBetween,
  publishedDocuments,
} from '../canon/publishing-store.js';
import type { SearchIndex } from '../canon/search-index.js';
import { bumpWorldVersion, getWorldMeta, insertEntityChanges, loadEntities, upsertEntities } from '../canon/world-store.js';
import {
  applyBatchToCanon,
  type CadenceConfig,
  detectSearchDrift,
  digestWindow,
  fieldChanges,
  nextDigestAfter,
  type PublishingPlan,
  renderDigest,
  type SearchSyncResult,
  type WorldDelta,
  type WorldEntity,
} from '../domain/index.js';
import { defineSteps } from '../engine/steps.js';
import type { WorkflowDefinition } from '../engine/types.js';
import type { WorkflowEngine } from '../engine/workflow-engine.js';
import type { Tx } from '../telemetry/outbox.js';
import { AfterwordError } from '../errors.js';
import { resolveAlerts } from '../telemetry/alert-lifecycle.js';
import { batchHeldCause, batchModerationCause } from './moderation-causes.js';
import { publishingTopics } from './publishing-topics.js';

export const batchWorkflowName = 'publishing.batch';
export const digestWorkflowName = 'publishing.digest';

/** The signal a moderation decision sends a batch job waiting at its gate (`WorkflowEngine.signal`). */
export const batchGateOpenedSignal = 'publishing.gate-opened';

/** A batch waiting at its gate looks again after this long even without a signal (a safety net). */
const gateRecheckMs = 24 * 3_600_000;

export interface BatchJobPayload {
  batchId: string;
  sessionId: string;
}

export interface BatchJobResult {
  [key: string]: unknown;
  held: boolean;
  applied: number;
  bundles?: number;
  cards?: number;
  checked: number;
  drift: number;
  /** Set when the batch no longer exists (a re-run of its closure replaced it): nothing to publish. */
  skipped?: 'batch_missing';
}

/** The searchable documents of a plan: one per lore bundle and one per news card. */
function loreDocuments(plan: PublishingPlan): LoreDocument[] {
  const common = { sessionId: plan.sessionId, batchId: plan.batchId };
  return [
    ...plan.bundles.map((b) => ({
      ...common,
      docId: b.bundleId,
      kind: 'bundle' as const,
      entityId: b.entityId,
      title: b.canonicalName,
      body: b.markdown,
      version: b.version,
      record: b,
    })),
    ...plan.cards.map((c) => ({
      ...common,
      docId: c.cardId,
      kind: 'card' as const,
      entityId: c.entityId,
      title: c.headline,
      body: `${c.lead}\n${c.ariaSummary}`,
      version: c.version,
      record: c,
    })),
  ];
}

/** Whether a batch job's failure is the search index drifting (only those are reported as drift). */
function driftOf(error: { details?: Record<string, unknown> }): unknown[] | null {
  const drift = error.details?.drift;
  return Array.isArray(drift) ? drift : null;
}

/** What the publishing workflows need besides the store: the search index, the digest clock and the engine. */
export interface PublishingWorkflowDeps {
  searchIndex: SearchIndex;
  cadence: Pick<CadenceConfig, 'digestHour' | 'digestMinute' | 'timeZone'>;
  engine: Pick<WorkflowEngine, 'enqueue'>;
}

/** The digest job due at `digestAt` (one per digest time: the idempotency key). */
function enqueueDigest(deps: PublishingWorkflowDeps, tx: Tx, digestAt: number) {
  return deps.engine.enqueue(tx, {
    workflow: digestWorkflowName,
    payload: { digestAt },
    idempotencyKey: `digest:${digestAt}`,
    runAt: digestAt,
  });
}

/**
 * Each entity keeps its history: for every field an applied delta changed, which delta from which
 * session changed it, when, and who approved it (`auto` when the policy published it undecided).
 * Ids are `<deltaId>:<field>`: one delta changes one entity, so a retried commit cannot double them.
 */
async function recordCanonHistory(
  tx: Tx,
  canon: WorldEntity[],
  change: { appliedDeltaIds: string[]; changedEntities: WorldEntity[] },
  deltas: ReadonlyArray<WorldDelta>,
): Promise<void> {
  const before = new Map(canon.map((e) => [e.entityId, e]));
  const applied = new Set(change.appliedDeltaIds);
  const byEntity = new Map(deltas.filter((d) => applied.has(d.deltaId)).map((d) => [d.entityId, d]));
  const approvals = new Map<string, string>();
  for (const d of await decisionsFor(tx, change.appliedDeltaIds)) if (d.decision === 'approve') approvals.set(d.deltaId, d.actor);
  const version = (await getWorldMeta(tx))?.version ?? 0;
  const rows = change.changedEntities.flatMap((entity) => {
    const delta = byEntity.get(entity.entityId);
    return fieldChanges(before.get(entity.entityId) ?? null, entity).map((c) => ({
      ...c,
      id: `${delta?.deltaId ?? 'canon'}:${c.entityId}:${c.field}`,
      source: 'delta' as const,
      deltaId: delta?.deltaId ?? null,
      sessionId: delta?.sessionId ?? null,
      approvedBy: delta ? (approvals.get(delta.deltaId) ?? 'auto') : null,
      worldVersion: version,
      changedAt: tx.now,
    }));
  });
  await insertEntityChanges(tx, rows);
}

const batchSteps = (deps: PublishingWorkflowDeps) =>
  defineSteps<BatchJobPayload>()
    .step('apply-canon', {
      async run({ job, store, now, waitForSignal }) {
        const batch = await getBatch(store.driver, job.payload.batchId);
        if (!batch) return { state: 'missing' as const, deltas: [] };
        // Held at the gate: wait for the moderation decision that opens it (not a poll).
        if (batch.status === 'awaiting_moderation') waitForSignal(batchGateOpenedSignal, now + gateRecheckMs);
        if (batch.status === 'published') return { state: 'published' as const, deltas: [] };
        return { state: 'ready' as const, deltas: await deltasOfBatch(store.driver, batch) };
      },
      async commit(tx, output) {
        if (output.state !== 'ready') return { state: output.state, applied: [] as string[] };
        const canon = await loadEntities(tx);
        const change = applyBatchToCanon(canon, output.deltas);
        if (change.appliedDeltaIds.length === 0) return { state: output.state, applied: [] as string[] };
        await upsertEntities(tx, change.changedEntities, tx.now);
        await markApplied(tx, change.appliedDeltaIds, tx.now);
        await bumpWorldVersion(tx, tx.now);
        await recordCanonHistory(tx, canon, change, output.deltas);
        for (const deltaId of change.appliedDeltaIds) await publishingTopics.emit(tx, 'world.delta.applied', { deltaId });
        return { state: output.state, applied: change.appliedDeltaIds };
      },
    })
    .step('publish', {
      async run({ job, store, outputs }) {
        if (outputs['apply-canon'].state !== 'ready') return { plan: null, scheduledAt: 0 };
        const batch = await getBatch(store.driver, job.payload.batchId);
        return { plan: batch?.plan ?? null, scheduledAt: batch?.scheduledAt ?? 0 };
      },
      async commit(tx, output, { job }) {
        const { plan } = output;
        if (!plan) return { published: false, bundles: 0, cards: 0 };
        const docs = loreDocuments(plan);
        for (const doc of docs) await publishDocument(tx, doc, tx.now);
        // Searchable exactly when published: the index is written in the same transaction.
        await deps.searchIndex.upsert(tx, docs);
        await markBatchPublished(tx, plan.batchId, tx.now);
        await resolveAlerts(tx, [batchModerationCause(plan.batchId), batchHeldCause(plan.batchId)], 'batch_published');
        // The digest of the day this batch is published in lists it (closures plan earlier days').
        await enqueueDigest(deps, tx, nextDigestAfter(tx.now, deps.cadence));
        await publishingTopics.emit(tx, 'telemetry.publish.batch.published', {
          batchId: plan.batchId,
          sessionId: plan.sessionId,
          jobId: job.jobId,
          scheduledAt: output.scheduledAt,
          publishedAt: tx.now,
          latencyMs: tx.now - output.scheduledAt,
          bundles: plan.bundles.length,
          cards: plan.cards.length,
        });
        return { published: true, bundles: plan.bundles.length, cards: plan.cards.length };
      },
    })
    .step('search-sync', {
      /**
       * Compare what the index holds (document id and version) with what this batch published.
       * Drift fails the attempt (reported as `telemetry.search.drift`); the retry re-indexes the
       * drifted documents from the published ones, which fixes an index that lost or kept an old
       * version of a document. Drift on a document that was never published cannot be fixed by
       * re-indexing and fails every attempt.
       */
      async run({ job, store, outputs }) {
        if (!outputs.publish.published) return { checked: 0, reindex: [] as string[] };
        const batch = await getBatch(store.driver, job.payload.batchId);
        const jobs = batch?.plan.searchJobs ?? [];
        const ids = jobs.map((j) => j.documentId);
        const indexed = await deps.searchIndex.indexedVersions(store.driver, ids);
        const results: SearchSyncResult[] = jobs.map((j) => {
          const version = indexed.get(j.documentId) ?? null;
          return { jobId: j.jobId, status: version === null ? 'missing' : 'success', indexedVersion: version };
        });
        const drift = detectSearchDrift(jobs, results);
        if (drift.length === 0) return { checked: jobs.length, reindex: [] as string[] };
        const published = await publishedDocuments(
          store.driver,
          drift.map((d) => d.documentId),
        );
        const fixable = drift.every((d) => published.get(d.documentId)?.version === d.expectedVersion);
        // A retry after this drift was reported re-indexes; the first sighting is reported first.
        const retryAfterDrift = job.error !== null && driftOf(job.error) !== null;
        if (retryAfterDrift && fixable) return { checked: jobs.length, reindex: drift.map((d) => d.documentId) };
        throw new AfterwordError('step_failed', `search index drift on ${drift.length} document(s)`, {
          details: { drift },
          retryable: true,
        });
      },
      async commit(tx, output) {
        if (output.reindex.length > 0) {
          const published = await publishedDocuments(tx, output.reindex);
          await deps.searchIndex.upsert(tx, [...published.values()]);
        }
        return { checked: output.checked, drift: 0, reindexed: output.reindex.length };
      },
    });

/**
 * A lore batch at its scheduled time: apply approved deltas to canon, publish bundles and news
 * cards, then verify the search index (drift is retried with back-off, 3 attempts). A batch
 * still awaiting moderation waits at its gate: the moderation decision that opens it signals
 * this job (`batchGateOpenedSignal`), which then goes on from there.
 */
export function batchWorkflow(deps: PublishingWorkflowDeps): WorkflowDefinition<BatchJobPayload, BatchJobResult> {
  const steps = batchSteps(deps);
  return {
    name: batchWorkflowName,
    maxAttempts: 3,
    steps: steps.steps,
    result: steps.result((outputs) => {
      const { state, applied } = outputs['apply-canon'];
      const { published, bundles, cards } = outputs.publish;
      return {
        held: false,
        applied: applied.length,
        ...(published ? { bundles, cards } : {}),
        ...outputs['search-sync'],
        ...(state === 'missing' ? { skipped: 'batch_missing' as const } : {}),
      };
    }),
    hooks: {
      async onFailed(tx, job, error, final) {
        const drift = driftOf(error);
        if (!drift) return;
        await publishingTopics.emit(tx, 'telemetry.search.drift', {
          jobId: job.jobId,
          batchId: job.payload.batchId,
          sessionId: job.payload.sessionId,
          final,
          message: error.message,
          drift,
        });
      },
    },
  };
}

const digestSteps = (deps: PublishingWorkflowDeps) =>
  defineSteps<{ digestAt: number }>().step('compile', {
    // On the job's own time, not the clock: the day's window is fixed by when the digest is due.
    async run({ job, store }) {
      const window = digestWindow(job.payload.digestAt, deps.cadence.timeZone);
      const published = await publishedBetween(store.driver, window.since, window.until);
      return { window, published, ...renderDigest(window, published, deps.cadence.timeZone) };
    },
    async commit(tx, output, { job }) {
      const { window, published } = output;
      const docId = `digest:${window.day}`;
      const doc = {
        docId,
        kind: 'digest' as const,
        entityId: null,
        sessionId: 'digest',
        batchId: docId,
        title: output.title,
        body: output.body,
        version: 1,
        record: { day: window.day, since: window.since, until: window.until, docIds: published.map((p) => p.docId) },
      };
      await publishDocument(tx, doc, tx.now);
      await deps.searchIndex.upsert(tx, [doc]);
      const entries = published.map((p) => `- ${p.title} (${p.kind})`);
      await publishingTopics.emit(tx, 'telemetry.publish.digest.published', {
        docId,
        day: window.day,
        digestAt: job.payload.digestAt,
        publishedAt: tx.now,
        entries,
      });
      return { entries: entries.length, digestAt: job.payload.digestAt, day: window.day };
    },
  });

/**
 * The daily digest: one lore document per local day (`cadence.timeZone`), kind `digest`, listing
 * what was published in that day's window, searchable like any lore. Digest jobs are planned by
 * closures and by every published batch, one per digest time.
 */
export function digestWorkflow(
  deps: PublishingWorkflowDeps,
): WorkflowDefinition<{ digestAt: number }, { entries: number; digestAt: number; day: string }> {
  const steps = digestSteps(deps);
  return {
    name: digestWorkflowName,
    steps: steps.steps,
    result: steps.result((outputs) => ({ ...outputs.compile })),
  };
}
