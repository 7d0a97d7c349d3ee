import type { IdSource } from '../clock.js';
import { insertDeltas, openDeltasOfOtherSessions, decisionsFor, listDeltas } from '../canon/delta-store.js';
import { insertBatch } from '../canon/publishing-store.js';
import { insertMentions, insertSummary, nextSummaryVersion } from '../canon/summary-store.js';
import type { WorldCatalog } from '../canon/world-catalog.js';
import type { AfterwordConfig } from '../config.js';
import {
  type Cadence,
  consolidateStory,
  determineDeltas,
  type ExtractionResult,
  extractEntities,
  planCadence,
  preparePublishing,
  type SanitisedTranscript,
  type Summariser,
  type WorldDelta,
  sanitiseTranscript,
} from '../domain/index.js';
import type { DurableEngine } from '../engine/engine.js';
import type { StepDefinition } from '../engine/types.js';
import { AfterwordError } from '../errors.js';
import { getSession, loadChanges, loadTurns, markReconciled } from '../sessions/session-store.js';
import type { ClosureJobPayload } from './closure-payload.js';
import { batchWorkflowName, digestWorkflowName } from './publishing-workflows.js';

export interface ClosureStepDeps {
  engine: DurableEngine;
  world: WorldCatalog;
  summariser?: Summariser;
  ids: IdSource;
  config: AfterwordConfig;
}

type Step<O> = StepDefinition<ClosureJobPayload, O>;

/**
 * The six closure steps. Each binds a pure domain stage to the store: `run` reads and computes,
 * `commit` writes the stage's artefacts in the same fenced transaction as the step's checkpoint,
 * so a resumed job skips finished steps and never repeats their effects.
 */
export function closureSteps(deps: ClosureStepDeps): Step<unknown>[] {
  const newId = () => deps.ids.uuid();

  const sanitise: Step<SanitisedTranscript> = {
    name: 'sanitise',
    async run({ job, store }) {
      const { sessionId, changeCursor } = job.payload;
      const session = await getSession(store.driver, sessionId);
      if (!session) throw new AfterwordError('session_not_found', `session ${sessionId} no longer exists`, { retryable: false });
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
  };

  const consolidate: Step<{ summaryVersion: number; statistics: unknown }> = {
    name: 'consolidate',
    run({ outputs, job, now }) {
      const sanitised = outputs.sanitise as SanitisedTranscript;
      // The version is assigned at commit, under the lease; 0 is a placeholder.
      const summary = consolidateStory(
        sanitised,
        { sessionId: job.payload.sessionId, version: 0, generatedAt: now },
        deps.summariser,
      );
      return { summaryVersion: 0, statistics: summary.statistics, summary } as never;
    },
    async commit(tx, output, { job }) {
      const { summary } = output as unknown as { summary: Parameters<typeof insertSummary>[1] };
      const version = await nextSummaryVersion(tx, job.payload.sessionId);
      const record = { ...summary, version };
      await insertSummary(tx, record, job.jobId, tx.now);
      const provenance = { jobId: job.jobId, auditRef: job.payload.auditRef, sessionId: job.payload.sessionId, version };
      await tx.emit('telemetry.storyConsolidation.completed', { ...provenance, statistics: summary.statistics });
      await tx.emit('intent.storyConsolidation.summaryReady', { ...provenance, generatedAt: summary.generatedAt, provenance });
      return { summaryVersion: version, statistics: summary.statistics };
    },
  };

  const extract: Step<ExtractionResult> = {
    name: 'extract',
    async run({ outputs, job }) {
      const world = await deps.world.snapshot();
      return extractEntities({
        sanitised: outputs.sanitise as SanitisedTranscript,
        lexicon: world.lexicon,
        sessionId: job.payload.sessionId,
        newId,
      });
    },
    async commit(tx, output, { job }) {
      await insertMentions(tx, output.mentions, job.jobId, tx.now);
      await tx.emit('telemetry.extraction.completed', {
        jobId: job.jobId,
        sessionId: job.payload.sessionId,
        mentionCount: output.mentions.length,
        candidateCount: output.candidates.length,
      });
      return undefined;
    },
  };

  const deltas: Step<{ deltaIds: string[]; needsReview: number; deltas?: unknown }> = {
    name: 'deltas',
    async run({ outputs, job, store, now }) {
      const extraction = outputs.extract as ExtractionResult;
      const world = await deps.world.snapshot();
      const touched = [...extraction.mentions.map((m) => m.entityId), ...extraction.candidates.map((c) => c.proposedEntityId)];
      const pending = await openDeltasOfOtherSessions(store.driver, store.dialect, job.payload.sessionId, touched);
      const computed = determineDeltas({
        sessionId: job.payload.sessionId,
        mentions: extraction.mentions,
        candidates: extraction.candidates,
        canon: world.entities,
        capabilities: world.meta?.capabilities ?? [],
        // The conflict check reads only ids, status and `after` of other sessions' deltas.
        pendingDeltas: pending as WorldDelta[],
        now,
        newId,
      });
      return {
        deltaIds: computed.map((d) => d.deltaId),
        needsReview: computed.filter((d) => d.safety.requiresModeration).length,
        deltas: computed,
      };
    },
    async commit(tx, output, { job }) {
      const computed = output.deltas as Parameters<typeof insertDeltas>[1];
      await insertDeltas(tx, computed, job.jobId, tx.now);
      for (const delta of computed) {
        await tx.emit('world.delta.queued', {
          jobId: job.jobId,
          sessionId: delta.sessionId,
          deltaId: delta.deltaId,
          entityId: delta.entityId,
          status: delta.status,
        });
        if (delta.safety.requiresModeration) {
          // Carries the session id (spec section 9: the reference only logged these, without it).
          await tx.raiseAlert({
            reason: 'world_delta_requires_moderation',
            sessionId: delta.sessionId,
            jobId: job.jobId,
            data: { deltaId: delta.deltaId, entityId: delta.entityId, safety: delta.safety },
          });
        }
      }
      return { deltaIds: output.deltaIds, needsReview: output.needsReview };
    },
  };

  const publishPrep: Step<Record<string, unknown>> = {
    name: 'publish-prep',
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
        summary: { version: (outputs.consolidate as { summaryVersion: number }).summaryVersion },
        deltas: stored,
        decisions,
        cadence,
        now,
        newId,
      });
      return { plan, nextDigestAt: cadence.nextDigestAt };
    },
    async commit(tx, output, { job }) {
      const plan = output.plan as Parameters<typeof insertBatch>[1];
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
        payload: { digestAt: output.nextDigestAt as number },
        idempotencyKey: `digest:${output.nextDigestAt as number}`,
        runAt: output.nextDigestAt as number,
      });
      const summary = {
        batchId: plan.batchId,
        scheduledAt: plan.scheduledAt,
        status: plan.status,
        moderation: plan.moderation,
      };
      await tx.emit('telemetry.publish.batch.prepared', { jobId: job.jobId, sessionId: plan.sessionId, ...summary });
      await tx.emit('telemetry.search.sync.planned', {
        jobId: job.jobId,
        sessionId: plan.sessionId,
        batchId: plan.batchId,
        searchJobCount: plan.searchJobs.length,
      });
      return { ...summary, searchJobCount: plan.searchJobs.length };
    },
  };

  const reconcile: Step<{ ackCursor: number }> = {
    name: 'reconcile',
    run({ job }) {
      return { ackCursor: job.payload.changeCursor };
    },
    async commit(tx, output, { job }) {
      await markReconciled(tx, job.payload.sessionId, job.payload.auditRef, output.ackCursor, tx.now);
      await tx.emit('session.reconciled', {
        sessionId: job.payload.sessionId,
        jobId: job.jobId,
        auditRef: job.payload.auditRef,
        ackCursor: output.ackCursor,
        reconciledAt: tx.now,
      });
      return { ackCursor: output.ackCursor, reconciledAt: tx.now } as never;
    },
  };

  return [sanitise, consolidate, extract, deltas, publishPrep, reconcile] as Step<unknown>[];
}
