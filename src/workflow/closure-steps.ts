import type { IdSource } from '../clock.js';
import { decisionsFor, insertDeltas, listDeltas, openDeltasOfOtherSessions } from '../canon/delta-store.js';
import { insertBatch } from '../canon/publishing-store.js';
import { insertMentions, insertSummary, nextSummaryVersion } from '../canon/summary-store.js';
import type { WorldCatalog } from '../canon/world-catalog.js';
import type { AfterwordConfig } from '../config.js';
import {
  type Cadence,
  consolidateStory,
  determineDeltas,
  extractEntities,
  planCadence,
  preparePublishing,
  type Summariser,
  sanitiseTranscript,
} from '../domain/index.js';
import { defineSteps, type StepOutputs } from '../engine/steps.js';
import type { WorkflowEngine } from '../engine/workflow-engine.js';
import { AfterwordError } from '../errors.js';
import { getSession, loadChanges, loadTurns, markReconciled } from '../sessions/session-store.js';
import type { ClosureJobPayload } from './closure-payload.js';
import { closureAlerts, closureTopics } from './closure-topics.js';
import { batchWorkflowName, digestWorkflowName } from './publishing-workflows.js';

export interface ClosureStepDeps {
  engine: WorkflowEngine;
  world: WorldCatalog;
  summariser?: Summariser;
  ids: IdSource;
  config: AfterwordConfig;
}

/**
 * The six closure steps. Each binds a pure domain stage to the store: `run` reads and computes,
 * `commit` writes the stage's artefacts in the same fenced transaction as the step's checkpoint,
 * so a resumed job skips finished steps and never repeats their effects. What each step stores
 * is typed, and the next step reads it with that type (`defineSteps`). Steps store references
 * where the artefact is in the store already (a summary's version, delta ids), not copies.
 */
export function closureSteps(deps: ClosureStepDeps) {
  const newId = () => deps.ids.uuid();
  return defineSteps<ClosureJobPayload>()
    .step('sanitise', {
      async run({ job, store }) {
        const { sessionId, changeCursor } = job.payload;
        const session = await getSession(store.driver, sessionId);
        if (!session)
          throw new AfterwordError('session_not_found', `session ${sessionId} no longer exists`, { retryable: false });
        const [turns, changeFeed] = await Promise.all([
          loadTurns(store.driver, sessionId),
          loadChanges(store.driver, sessionId, changeCursor),
        ]);
        return sanitiseTranscript(
          {
            session: {
              sessionId,
              context: session.context,
              closedAt: job.payload.closedAt,
              closedBy: job.payload.closedBy,
              closureReason: job.payload.reason,
              auditRef: job.payload.auditRef,
            },
            turns,
            changeFeed,
          },
          { maxLineLength: deps.config.limits.maxTurnTextChars },
        );
      },
    })
    .step('consolidate', {
      run({ outputs, job, now }) {
        // The version is assigned at commit, under the lease; 0 is a placeholder.
        return consolidateStory(
          outputs.sanitise,
          { sessionId: job.payload.sessionId, version: 0, generatedAt: now },
          deps.summariser,
        );
      },
      async commit(tx, summary, { job }) {
        const version = await nextSummaryVersion(tx, job.payload.sessionId);
        await insertSummary(tx, { ...summary, version }, job.jobId, tx.now);
        const provenance = { jobId: job.jobId, auditRef: job.payload.auditRef, sessionId: job.payload.sessionId, version };
        await closureTopics.emit(tx, 'telemetry.storyConsolidation.completed', { ...provenance, statistics: summary.statistics });
        await closureTopics.emit(tx, 'intent.storyConsolidation.summaryReady', {
          ...provenance,
          generatedAt: summary.generatedAt,
          provenance,
        });
        return { summaryVersion: version, statistics: summary.statistics };
      },
    })
    .step('extract', {
      async run({ outputs, job }) {
        const world = await deps.world.snapshot();
        return extractEntities({ sanitised: outputs.sanitise, lexicon: world.lexicon, sessionId: job.payload.sessionId, newId });
      },
      async commit(tx, extraction, { job }) {
        await insertMentions(tx, extraction.mentions, job.jobId, tx.now);
        await closureTopics.emit(tx, 'telemetry.extraction.completed', {
          jobId: job.jobId,
          sessionId: job.payload.sessionId,
          mentionCount: extraction.mentions.length,
          candidateCount: extraction.candidates.length,
        });
        // The deltas step reads the mentions and candidates from here.
        return extraction;
      },
    })
    .step('deltas', {
      async run({ outputs, job, store, now }) {
        const { mentions, candidates } = outputs.extract;
        const world = await deps.world.snapshot();
        const touched = [...mentions.map((m) => m.entityId), ...candidates.map((c) => c.proposedEntityId)];
        return determineDeltas({
          sessionId: job.payload.sessionId,
          mentions,
          candidates,
          canon: world.entities,
          capabilities: world.meta?.capabilities ?? [],
          pendingDeltas: await openDeltasOfOtherSessions(store.driver, store.fragments, job.payload.sessionId, touched),
          now,
          newId,
        });
      },
      async commit(tx, deltas, { job }) {
        const inserted = await insertDeltas(tx, deltas, job.jobId, tx.now);
        const written = deltas.filter((d) => inserted.has(d.deltaId));
        for (const delta of written) {
          await closureTopics.emit(tx, 'world.delta.queued', {
            jobId: job.jobId,
            sessionId: delta.sessionId,
            deltaId: delta.deltaId,
            entityId: delta.entityId,
            status: delta.status,
          });
          if (delta.safety.requiresModeration) {
            // Carries the session id (spec section 9: the reference only logged these, without it).
            await closureAlerts.raise(tx, 'world_delta_requires_moderation', {
              sessionId: delta.sessionId,
              jobId: job.jobId,
              data: { deltaId: delta.deltaId, entityId: delta.entityId, safety: delta.safety },
            });
          }
        }
        return {
          deltaIds: written.map((d) => d.deltaId),
          needsReview: written.filter((d) => d.safety.requiresModeration).length,
        };
      },
    })
    .step('publish-prep', {
      async run({ outputs, job, store, now }) {
        const session = await getSession(store.driver, job.payload.sessionId);
        // One cadence per session, fixed at closure and shared by the directory and publishing.
        const cadence: Cadence = session?.cadence ?? planCadence(job.payload.closedAt, deps.config.cadence);
        const stored = await listDeltas(store.driver, { jobId: job.jobId });
        const decisions = await decisionsFor(
          store.driver,
          stored.map((d) => d.deltaId),
        );
        const plan = preparePublishing({
          sessionId: job.payload.sessionId,
          summary: { version: outputs.consolidate.summaryVersion },
          deltas: stored,
          decisions,
          cadence,
          now,
          newId,
        });
        return { plan, nextDigestAt: cadence.nextDigestAt };
      },
      async commit(tx, { plan, nextDigestAt }, { job }) {
        await insertBatch(tx, plan, job.jobId, tx.now);
        // The batch and the digest are due-later jobs, so the cadence survives restarts.
        await deps.engine.enqueue(tx, {
          workflow: batchWorkflowName,
          payload: { batchId: plan.batchId, sessionId: plan.sessionId },
          idempotencyKey: `batch:${plan.batchId}`,
          runAt: plan.scheduledAt,
        });
        await deps.engine.enqueue(tx, {
          workflow: digestWorkflowName,
          payload: { digestAt: nextDigestAt },
          idempotencyKey: `digest:${nextDigestAt}`,
          runAt: nextDigestAt,
        });
        const summary = {
          batchId: plan.batchId,
          scheduledAt: plan.scheduledAt,
          status: plan.status,
          moderation: plan.moderation,
        };
        await closureTopics.emit(tx, 'telemetry.publish.batch.prepared', {
          jobId: job.jobId,
          sessionId: plan.sessionId,
          ...summary,
        });
        await closureTopics.emit(tx, 'telemetry.search.sync.planned', {
          jobId: job.jobId,
          sessionId: plan.sessionId,
          batchId: plan.batchId,
          searchJobCount: plan.searchJobs.length,
        });
        return { ...summary, searchJobCount: plan.searchJobs.length };
      },
    })
    .step('reconcile', {
      run({ job }) {
        return { ackCursor: job.payload.changeCursor };
      },
      async commit(tx, { ackCursor }, { job }) {
        await markReconciled(tx, job.payload.sessionId, job.payload.auditRef, ackCursor, tx.now);
        await closureTopics.emit(tx, 'session.reconciled', {
          sessionId: job.payload.sessionId,
          jobId: job.jobId,
          auditRef: job.payload.auditRef,
          ackCursor,
          reconciledAt: tx.now,
        });
        return { ackCursor, reconciledAt: tx.now };
      },
    });
}

/** What each closure step stores, by step name. */
export type ClosureOutputs = StepOutputs<ReturnType<typeof closureSteps>>;
