import type { IdSource } from '../clock.js';
import { allDeltas, decisionsFor, insertDeltas, openDeltasOfOtherSessions } from '../canon/delta-store.js';
import { insertBatch } from '../canon/publishing-store.js';
import { insertMentions, insertSummary, listMentionsOfJob, nextSummaryVersion } from '../canon/summary-store.js';
import type { WorldCatalog } from '../canon/world-catalog.js';
import type { AfterwordConfig } from '../config.js';
import {
  type Cadence,
  determineDeltas,
  extractEntities,
  planCadence,
  preparePublishing,
  type SanitisedTranscript,
  type Summariser,
  sanitiseTranscript,
  winkPosTagger,
} from '../domain/index.js';
import { defineSteps, type StepOutputs } from '../engine/steps.js';
import type { WorkflowEngine } from '../engine/workflow-engine.js';
import { AfterwordError } from '../errors.js';
import { getSession, loadChanges, loadTurns, markReconciled } from '../sessions/session-store.js';
import type { SqlExecutor } from '../store/ports.js';
import type { ClosureJobPayload } from './closure-payload.js';
import { closureAlerts, closureTopics } from './closure-topics.js';
import { batchModerationCause, deltaCause } from './moderation-causes.js';
import { scheduleModerationDeadlines } from './moderation-deadlines.js';
import { annotateWithRecogniser, recogniserFromConfig } from './entity-recogniser.js';
import { summariseWithFallback, summariserFromConfig } from './summarise-stage.js';
import { batchWorkflowName, digestWorkflowName } from './publishing-workflows.js';

/** A sanitised transcript with the number of stored turns it was computed from. */
interface Sanitised {
  turnCount: number;
  sanitised: SanitisedTranscript;
}

/** What the sanitise step checkpoints: where the transcript ends in the store, and its counts. */
export interface SanitisedRef {
  turnCount: number;
  keptTurns: number;
  droppedTurns: number;
  safetyEvents: number;
}

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
  const summariser = deps.summariser ?? summariserFromConfig(deps.config.pipeline);
  const tagger = deps.config.pipeline.tagger === 'wink' ? winkPosTagger() : undefined;
  const recogniser = recogniserFromConfig(deps.config.pipeline);
  // The last transcript sanitised in this process: consolidate and extract usually run right
  // after sanitise on the same worker, so they reuse it instead of reading the turns again.
  let last: { key: string; transcript: Sanitised } | null = null;

  /**
   * The closure's sanitised transcript, computed from the store: the session's first `turnCount`
   * turns (all of them when null: the sanitise step itself) and its changes up to the closure's
   * cursor. Sanitisation is pure, so a later step (or a resumed job) gets the same transcript the
   * sanitise step saw, from the reference it checkpointed.
   */
  async function sanitised(db: SqlExecutor, payload: ClosureJobPayload, turnCount: number | null): Promise<Sanitised> {
    const { sessionId, changeCursor } = payload;
    const key = `${sessionId}:${payload.auditRef}:${changeCursor}:${turnCount}`;
    if (last && turnCount !== null && last.key === key) return last.transcript;
    const session = await getSession(db, sessionId);
    if (!session) throw new AfterwordError('session_not_found', `session ${sessionId} no longer exists`, { retryable: false });
    const [turns, changeFeed] = await Promise.all([
      loadTurns(db, sessionId, 0, turnCount ?? undefined),
      loadChanges(db, sessionId, changeCursor),
    ]);
    const transcript = {
      turnCount: turns.length,
      sanitised: sanitiseTranscript(
        {
          session: {
            sessionId,
            context: session.context,
            closedAt: payload.closedAt,
            closedBy: payload.closedBy,
            closureReason: payload.reason,
            auditRef: payload.auditRef,
          },
          turns,
          changeFeed,
        },
        { maxLineLength: deps.config.limits.maxTurnTextChars },
      ),
    };
    last = { key: `${sessionId}:${payload.auditRef}:${changeCursor}:${turns.length}`, transcript };
    return transcript;
  }

  return defineSteps<ClosureJobPayload>()
    .step('sanitise', {
      run({ job, store }) {
        return sanitised(store.driver, job.payload, null);
      },
      // The transcript is in the store already: checkpoint where it ends, not a copy of it.
      commit(_tx, transcript): SanitisedRef {
        return {
          turnCount: transcript.turnCount,
          keptTurns: transcript.sanitised.turns.length,
          droppedTurns: transcript.sanitised.droppedTurnIds.length,
          safetyEvents: transcript.sanitised.safetyEvents.length,
        };
      },
    })
    .step('consolidate', {
      async run({ outputs, job, now, store, heartbeat, signal }) {
        // The version is assigned at commit, under the lease; 0 is a placeholder.
        const transcript = (await sanitised(store.driver, job.payload, outputs.sanitise.turnCount)).sanitised;
        return summariseWithFallback(
          transcript,
          { sessionId: job.payload.sessionId, version: 0, generatedAt: now },
          {
            summariser,
            timeoutMs: deps.config.pipeline.summariserTimeoutMs,
            heartbeatMs: deps.config.pipeline.heartbeatMs,
            heartbeat: () => heartbeat({ step: 'consolidate', summariser: summariser?.name ?? 'deterministic' }),
            signal,
          },
        );
      },
      async commit(tx, summary, { job }) {
        const version = await nextSummaryVersion(tx, job.payload.sessionId);
        await insertSummary(tx, { ...summary, version }, job.jobId, tx.now);
        const provenance = { jobId: job.jobId, auditRef: job.payload.auditRef, sessionId: job.payload.sessionId, version };
        await closureTopics.emit(tx, 'telemetry.storyConsolidation.completed', {
          ...provenance,
          statistics: summary.statistics,
          summariser: summary.generator?.summariser ?? 'deterministic',
        });
        if (summary.generator?.fallback)
          await closureTopics.emit(tx, 'telemetry.storyConsolidation.fallback', { ...provenance, ...summary.generator.fallback });
        await closureTopics.emit(tx, 'intent.storyConsolidation.summaryReady', {
          ...provenance,
          generatedAt: summary.generatedAt,
          provenance,
        });
        return { summaryVersion: version, statistics: summary.statistics };
      },
    })
    .step('extract', {
      async run({ outputs, job, store, heartbeat, signal }) {
        const world = await deps.world.snapshot();
        const transcript = (await sanitised(store.driver, job.payload, outputs.sanitise.turnCount)).sanitised;
        // An external NER service (pipeline.tagger 'http') annotates the turns first; on a
        // timeout or an error the rules run alone and the report says so.
        const annotated = recogniser
          ? await annotateWithRecogniser(transcript, recogniser, {
              timeoutMs: deps.config.pipeline.ner.timeoutMs,
              heartbeatMs: deps.config.pipeline.heartbeatMs,
              heartbeat: () => heartbeat({ step: 'extract', recogniser: recogniser.name }),
              signal,
            })
          : null;
        const extraction = extractEntities({
          sanitised: annotated?.transcript ?? transcript,
          lexicon: world.lexicon,
          sessionId: job.payload.sessionId,
          newId,
          ...(tagger ? { tagger } : {}),
        });
        return { ...extraction, recogniser: annotated?.report ?? null };
      },
      async commit(tx, extraction, { job }) {
        await insertMentions(tx, extraction.mentions, job.jobId, tx.now);
        const where = { jobId: job.jobId, sessionId: job.payload.sessionId };
        await closureTopics.emit(tx, 'telemetry.extraction.completed', {
          ...where,
          mentionCount: extraction.mentions.length,
          candidateCount: extraction.candidates.length,
          recogniser: extraction.recogniser,
        });
        if (extraction.recogniser?.fallback)
          await closureTopics.emit(tx, 'telemetry.extraction.fallback', {
            ...where,
            from: extraction.recogniser.recogniser,
            ...extraction.recogniser.fallback,
          });
        // The mentions are in the store now (in extraction order): checkpoint their count, and the
        // few candidates and unattached capability references the deltas step needs besides.
        return {
          mentionCount: extraction.mentions.length,
          candidates: extraction.candidates,
          unattachedCapabilityRefs: extraction.unattachedCapabilityRefs,
          recogniser: extraction.recogniser,
        };
      },
    })
    .step('deltas', {
      async run({ outputs, job, store, now }) {
        const { candidates, unattachedCapabilityRefs } = outputs.extract;
        const mentions = await listMentionsOfJob(store.driver, job.jobId);
        const world = await deps.world.snapshot();
        const touched = [...mentions.map((m) => m.entityId), ...candidates.map((c) => c.proposedEntityId)];
        return determineDeltas({
          sessionId: job.payload.sessionId,
          mentions,
          candidates,
          canon: world.entities,
          capabilities: world.meta?.capabilities ?? [],
          pendingDeltas: await openDeltasOfOtherSessions(store.driver, store.fragments, job.payload.sessionId, touched),
          unattachedCapabilityRefs,
          policy: deps.config.moderation.autoApprove,
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
          if (delta.safety.reasons.includes('unattached_capability')) {
            // Never dropped (issue 11): the capability is a moderation item and an alert of its own,
            // resolved when a moderator decides it.
            await closureAlerts.raise(tx, 'world_capability_unattached', {
              sessionId: delta.sessionId,
              jobId: job.jobId,
              causeKey: deltaCause(delta.deltaId),
              data: {
                deltaId: delta.deltaId,
                capabilityRefs: delta.capabilityRefs,
                sentences: delta.source.map((s) => s.sentence),
              },
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
        const stored = await allDeltas(store.driver, { jobId: job.jobId });
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
        return { plan, nextDigestAt: cadence.nextDigestAt, cadence };
      },
      async commit(tx, { plan, nextDigestAt, cadence }, { job }) {
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
        if (plan.status === 'awaiting_moderation') {
          // One alert per batch held for review (not one per delta), resolved when the batch's
          // gate opens; it carries the session id (spec section 9) and the deltas it waits for.
          await closureAlerts.raise(tx, 'world_delta_requires_moderation', {
            sessionId: plan.sessionId,
            jobId: job.jobId,
            causeKey: batchModerationCause(plan.batchId),
            data: { batchId: plan.batchId, deltaIds: plan.blockingDeltaIds, pending: plan.moderation.pending },
          });
          await scheduleModerationDeadlines(tx, deps.engine, plan, cadence);
        }
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
