import { listDeltas, markApplied } from '../canon/delta-store.js';
import { getBatch, indexedVersion, type LoreDocument, markBatchPublished, publishDocument } from '../canon/publishing-store.js';
import { bumpWorldVersion, loadEntities, upsertEntities } from '../canon/world-store.js';
import {
  applyDeltasToCanon,
  detectSearchDrift,
  type PublishingPlan,
  type SearchSyncResult,
  type WorldDelta,
} from '../domain/index.js';
import type { WorkflowDefinition } from '../engine/types.js';
import { AfterwordError } from '../errors.js';

export const batchWorkflowName = 'publishing.batch';
export const digestWorkflowName = 'publishing.digest';

export interface BatchJobPayload {
  batchId: string;
  sessionId: string;
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

/** Deltas that reach canon: approved by a moderator, or never needing review. */
const publishable = new Set(['approved', 'pending']);

/**
 * A lore batch at its scheduled time: apply approved deltas to canon, publish bundles and news
 * cards, then verify the search index (drift is retried with back-off, 3 attempts). A batch
 * still awaiting moderation is held; the moderation decision that opens the gate schedules it.
 */
export function batchWorkflow(): WorkflowDefinition<BatchJobPayload> {
  return {
    name: batchWorkflowName,
    maxAttempts: 3,
    steps: [
      {
        name: 'apply-canon',
        async run({ job, store }) {
          const batch = await getBatch(store.driver, job.payload.batchId);
          if (!batch)
            throw new AfterwordError('batch_not_found', `batch ${job.payload.batchId} does not exist`, { retryable: false });
          if (batch.status !== 'ready')
            return { held: true, status: batch.status, applied: [] as string[], deltas: [] as WorldDelta[] };
          const deltas = (await listDeltas(store.driver, { jobId: batch.jobId })).filter(
            (d) => publishable.has(d.status) && !d.appliedAt,
          );
          return { held: false, status: batch.status, applied: deltas.map((d) => d.deltaId), deltas: deltas as WorldDelta[] };
        },
        async commit(tx, output) {
          if (output.held || output.applied.length === 0)
            return { held: output.held, status: output.status, applied: output.applied };
          const canon = await loadEntities(tx);
          // A delta that never needed review is approved by the gate itself at publish time.
          const approved = ((output.deltas ?? []) as WorldDelta[]).map((d: WorldDelta) =>
            d.status === 'pending' ? { ...d, status: 'approved' as const } : d,
          );
          const next = applyDeltasToCanon(canon, approved);
          const before = new Map(canon.map((e) => [e.entityId, JSON.stringify(e)]));
          await upsertEntities(
            tx,
            next.filter((e) => before.get(e.entityId) !== JSON.stringify(e)),
            tx.now,
          );
          await markApplied(tx, output.applied, tx.now);
          await bumpWorldVersion(tx, tx.now);
          for (const deltaId of output.applied) await tx.emit('world.delta.applied', { deltaId });
          return { held: false, status: output.status, applied: output.applied };
        },
      },
      {
        name: 'publish',
        async run({ job, store, outputs }) {
          if ((outputs['apply-canon'] as { held: boolean }).held) return { held: true };
          const batch = await getBatch(store.driver, job.payload.batchId);
          return { held: false, plan: batch?.plan, scheduledAt: batch?.scheduledAt };
        },
        async commit(tx, output, { job }) {
          if (output.held || !output.plan) return { held: true };
          const plan = output.plan as PublishingPlan;
          for (const doc of loreDocuments(plan)) await publishDocument(tx, doc, tx.now);
          await markBatchPublished(tx, plan.batchId, tx.now);
          await tx.emit('telemetry.publish.batch.published', {
            batchId: plan.batchId,
            sessionId: plan.sessionId,
            jobId: job.jobId,
            scheduledAt: output.scheduledAt,
            publishedAt: tx.now,
            latencyMs: tx.now - (output.scheduledAt as number),
            bundles: plan.bundles.length,
            cards: plan.cards.length,
          });
          return { held: false, bundles: plan.bundles.length, cards: plan.cards.length };
        },
      },
      {
        name: 'search-sync',
        async run({ job, store, outputs }) {
          if ((outputs.publish as { held: boolean }).held) return { held: true, drift: 0 };
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
          return { held: false, checked: jobs.length, drift: 0 };
        },
      },
    ],
    result(outputs) {
      const apply = outputs['apply-canon'] as { held: boolean; applied: string[] };
      return {
        held: apply.held,
        applied: apply.applied.length,
        ...(outputs.publish as object),
        ...(outputs['search-sync'] as object),
      };
    },
    hooks: {
      async onFailed(tx, job, error, final) {
        const drift = (error as { details?: { drift?: unknown[] } }).details?.drift;
        await tx.emit('telemetry.search.drift', {
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

/** The daily digest: a lore document listing what was published since the previous digest. */
export function digestWorkflow(): WorkflowDefinition<{ digestAt: number }> {
  return {
    name: digestWorkflowName,
    steps: [
      {
        name: 'compile',
        async run({ job, store }) {
          const since = job.payload.digestAt - 24 * 3_600_000;
          const rows = await store.driver.query<{ title: string; kind: string }>(
            'SELECT title, kind FROM lore_documents WHERE published_at > ? AND published_at <= ? AND kind <> ? ORDER BY published_at',
            [since, Math.max(job.payload.digestAt, Date.now()), 'digest'],
          );
          return { entries: rows.map((r) => `- ${r.title} (${r.kind})`), digestAt: job.payload.digestAt };
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
          return { entries: output.entries.length, digestAt: output.digestAt } as never;
        },
      },
    ],
    result: (outputs) => ({ ...(outputs.compile as object) }),
  };
}
