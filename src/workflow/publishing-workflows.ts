import { deltasOfBatch, markApplied } from '../canon/delta-store.js';
import {
  getBatch,
  indexedVersion,
  type LoreDocument,
  markBatchPublished,
  publishDocument,
  publishedBetween,
} from '../canon/publishing-store.js';
import { bumpWorldVersion, loadEntities, upsertEntities } from '../canon/world-store.js';
import { applyBatchToCanon, detectSearchDrift, type PublishingPlan, type SearchSyncResult } from '../domain/index.js';
import { defineSteps } from '../engine/steps.js';
import type { WorkflowDefinition } from '../engine/types.js';
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

const batchSteps = defineSteps<BatchJobPayload>()
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
      const change = applyBatchToCanon(await loadEntities(tx), output.deltas);
      if (change.appliedDeltaIds.length === 0) return { state: output.state, applied: [] as string[] };
      await upsertEntities(tx, change.changedEntities, tx.now);
      await markApplied(tx, change.appliedDeltaIds, tx.now);
      await bumpWorldVersion(tx, tx.now);
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
      for (const doc of loreDocuments(plan)) await publishDocument(tx, doc, tx.now);
      await markBatchPublished(tx, plan.batchId, tx.now);
      await resolveAlerts(tx, [batchModerationCause(plan.batchId), batchHeldCause(plan.batchId)], 'batch_published');
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
    async run({ job, store, outputs }) {
      if (!outputs.publish.published) return { checked: 0, drift: 0 };
      const batch = await getBatch(store.driver, job.payload.batchId);
      const jobs = batch?.plan.searchJobs ?? [];
      const results: SearchSyncResult[] = [];
      for (const searchJob of jobs) {
        const version = await indexedVersion(store.driver, searchJob.documentId);
        results.push({ jobId: searchJob.jobId, status: version === null ? 'missing' : 'success', indexedVersion: version });
      }
      const drift = detectSearchDrift(jobs, results);
      if (drift.length > 0) {
        throw new AfterwordError('step_failed', `search index drift on ${drift.length} document(s)`, {
          details: { drift },
          retryable: true,
        });
      }
      return { checked: jobs.length, drift: 0 };
    },
  });

/**
 * A lore batch at its scheduled time: apply approved deltas to canon, publish bundles and news
 * cards, then verify the search index (drift is retried with back-off, 3 attempts). A batch
 * still awaiting moderation waits at its gate: the moderation decision that opens it signals
 * this job (`batchGateOpenedSignal`), which then goes on from there.
 */
export function batchWorkflow(): WorkflowDefinition<BatchJobPayload, BatchJobResult> {
  return {
    name: batchWorkflowName,
    maxAttempts: 3,
    steps: batchSteps.steps,
    result: batchSteps.result((outputs) => {
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

const digestSteps = defineSteps<{ digestAt: number }>().step('compile', {
  async run({ job, store, now }) {
    const since = job.payload.digestAt - 24 * 3_600_000;
    const published = await publishedBetween(store.driver, since, Math.max(job.payload.digestAt, now));
    return { entries: published.map((r) => `- ${r.title} (${r.kind})`), digestAt: job.payload.digestAt };
  },
  async commit(tx, output) {
    const day = new Date(output.digestAt).toISOString().slice(0, 10);
    await publishDocument(
      tx,
      {
        docId: `digest:${day}`,
        kind: 'bundle',
        entityId: null,
        sessionId: 'digest',
        batchId: `digest:${day}`,
        title: `Daily digest ${day}`,
        body: output.entries.join('\n') || 'Nothing was published.',
        version: 1,
        record: output,
      },
      tx.now,
    );
    await publishingTopics.emit(tx, 'telemetry.publish.digest.published', {
      docId: `digest:${day}`,
      day,
      digestAt: output.digestAt,
      publishedAt: tx.now,
      entries: output.entries,
    });
    return { entries: output.entries.length, digestAt: output.digestAt };
  },
});

/** The daily digest: a lore document listing what was published since the previous digest. */
export function digestWorkflow(): WorkflowDefinition<{ digestAt: number }, { entries: number; digestAt: number }> {
  return {
    name: digestWorkflowName,
    steps: digestSteps.steps,
    result: digestSteps.result((outputs) => ({ ...outputs.compile })),
  };
}
