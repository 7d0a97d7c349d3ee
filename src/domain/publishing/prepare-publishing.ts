import { applyModerationDecisions, isCovered, latestDecisions } from '../deltas/moderation.js';
import type { ModerationDecision, WorldDelta } from '../deltas/types.js';
import type { Cadence } from './cadence.js';
import { isPublishable } from './publish-gate.js';
import { renderLoreBundle, renderOverlay } from './render-bundles.js';
import { NEWS_TTL_MS, renderNewsCard } from './render-cards.js';
import type { PublishingPlan, SearchDrift, SearchIndexJob, SearchSyncResult } from './types.js';

export const SEARCH_MAX_ATTEMPTS = 3;

export interface PreparePublishingInput {
  sessionId: string;
  summary: { version: number };
  deltas: WorldDelta[];
  decisions: ModerationDecision[];
  cadence: Cadence;
  now: number;
  newId: () => string;
}

/**
 * Batch lifecycle: `awaiting_moderation` while any delta that needs review has no covering
 * decision (no search jobs are planned, nothing can leak to the index); `ready` once every
 * such delta is decided. Re-evaluation is a pure function of the stored plan, the deltas
 * and the decisions, so a decision unblocks a batch without re-running the workflow.
 */
function build(
  base: Pick<PublishingPlan, 'batchId' | 'sessionId' | 'summaryVersion' | 'scheduledAt' | 'preparedAt'>,
  deltas: WorldDelta[],
  decisions: ModerationDecision[],
): PublishingPlan {
  const latest = latestDecisions(decisions);
  const decided = applyModerationDecisions(deltas, decisions);
  const needing = deltas.filter((d) => d.safety.requiresModeration);
  const blocking = needing.filter((d) => !isCovered(d, latest)).map((d) => d.deltaId);
  const status = blocking.length > 0 ? 'awaiting_moderation' : 'ready';
  const publishable = decided.filter(isPublishable);
  const names = new Map(deltas.map((d) => [d.entityId, d.canonicalName]));
  const byEntity = new Map<string, WorldDelta[]>();
  for (const d of publishable) {
    const list = byEntity.get(d.entityId);
    if (list) list.push(d);
    else byEntity.set(d.entityId, [d]);
  }
  const bundles = [...byEntity.values()].map((ds) => renderLoreBundle(ds, base.sessionId, base.summaryVersion, latest));
  const cards = publishable.map((d) => renderNewsCard(d, base.scheduledAt, base.summaryVersion, names));
  const searchJobs: SearchIndexJob[] =
    status === 'ready'
      ? [
          ...bundles.map((b) => ({
            jobId: `search:${b.bundleId}:v${b.version}`,
            documentKind: 'lore-bundle' as const,
            documentId: b.bundleId,
            expectedVersion: b.version,
            maxAttempts: SEARCH_MAX_ATTEMPTS,
          })),
          ...cards.map((c) => ({
            jobId: `search:${c.cardId}:v${c.version}`,
            documentKind: 'news-card' as const,
            documentId: c.cardId,
            expectedVersion: c.version,
            maxAttempts: SEARCH_MAX_ATTEMPTS,
          })),
        ]
      : [];
  return {
    ...base,
    status,
    blockingDeltaIds: blocking,
    moderation: { required: needing.length, pending: blocking.length, decided: needing.length - blocking.length },
    bundles,
    cards,
    overlays: bundles.map(renderOverlay),
    searchJobs,
    publishAt: base.scheduledAt,
    expiresAt: base.scheduledAt + NEWS_TTL_MS,
  };
}

/** Stage 5 (spec 7): the publishing plan for the session's next lore batch. */
export function preparePublishing(input: PreparePublishingInput): PublishingPlan {
  return build(
    {
      batchId: input.newId(),
      sessionId: input.sessionId,
      summaryVersion: input.summary.version,
      scheduledAt: input.cadence.nextBatchAt,
      preparedAt: input.now,
    },
    input.deltas,
    input.decisions,
  );
}

/** Recomputes gate, bundles, cards and search jobs for an existing plan (same batch id). */
export function reevaluateGate(plan: PublishingPlan, deltas: WorldDelta[], decisions: ModerationDecision[]): PublishingPlan {
  return build(
    {
      batchId: plan.batchId,
      sessionId: plan.sessionId,
      summaryVersion: plan.summaryVersion,
      scheduledAt: plan.scheduledAt,
      preparedAt: plan.preparedAt,
    },
    deltas.filter((d) => d.sessionId === plan.sessionId),
    decisions,
  );
}

/** A result with a non-success status, or indexed at another version than planned, is drift. */
export function detectSearchDrift(jobs: SearchIndexJob[], results: SearchSyncResult[]): SearchDrift[] {
  const byId = new Map(jobs.map((j) => [j.jobId, j]));
  const out: SearchDrift[] = [];
  for (const r of results) {
    const job = byId.get(r.jobId);
    if (!job) continue;
    const base = {
      jobId: job.jobId,
      documentId: job.documentId,
      status: r.status,
      expectedVersion: job.expectedVersion,
      indexedVersion: r.indexedVersion,
    };
    if (r.status !== 'success') out.push({ ...base, reason: 'status' });
    else if (r.indexedVersion !== job.expectedVersion) out.push({ ...base, reason: 'version_mismatch' });
  }
  return out;
}
