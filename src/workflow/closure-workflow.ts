import { pruneRuns, getRun, upsertRun } from '../sessions/session-store.js';
import type { WorkflowRun } from '../sessions/session-types.js';
import { markSlaAlerted } from '../engine/job-store.js';
import type { Job, JobError, WorkflowDefinition } from '../engine/types.js';
import type { Tx } from '../store/unit-of-work.js';
import type { Logger } from '../telemetry/logger.js';
import { type ClosureJobPayload, type ClosureJobResult, closureWorkflowName } from './closure-payload.js';
import { type ClosureStepDeps, closureSteps } from './closure-steps.js';

type ClosureJob = Job<ClosureJobPayload>;

function baseRun(job: ClosureJob): WorkflowRun {
  return {
    jobId: job.jobId,
    sessionId: job.payload.sessionId,
    auditRef: job.payload.auditRef,
    trigger: job.payload.trigger,
    status: job.status,
    startedAt: job.startedAt,
    completedAt: job.completedAt,
    durationMs: job.durationMs,
    attempts: job.attempts,
    summaryVersion: null,
    mentionCount: null,
    deltaCount: null,
    publishingBatchId: null,
    publishingStatus: null,
    moderation: null,
    error: null,
  };
}

async function recordRun(tx: Tx, job: ClosureJob, patch: Partial<WorkflowRun>): Promise<void> {
  const previous = (await getRun(tx, job.jobId)) ?? baseRun(job);
  await upsertRun(tx, { ...previous, ...baseRun(job), ...pickKnown(previous), ...patch }, tx.now);
}

/** Keep what earlier transitions learnt (counts, publishing) unless the patch says otherwise. */
function pickKnown(run: WorkflowRun): Partial<WorkflowRun> {
  return {
    summaryVersion: run.summaryVersion,
    mentionCount: run.mentionCount,
    deltaCount: run.deltaCount,
    publishingBatchId: run.publishingBatchId,
    publishingStatus: run.publishingStatus,
    moderation: run.moderation,
  };
}

/**
 * The closure workflow: the six steps plus the hooks that publish the spec's topics, keep the
 * session's run history and raise admin alerts, all inside the engine's transition transactions.
 */
export function closureWorkflow(
  deps: ClosureStepDeps & { logger: Logger; historyRetention: number; slaMs: number },
): WorkflowDefinition<ClosureJobPayload> {
  return {
    name: closureWorkflowName,
    steps: closureSteps(deps),
    slaMs: deps.slaMs,
    result(outputs): ClosureJobResult {
      const consolidate = outputs.consolidate as { summaryVersion: number };
      const extract = outputs.extract as { mentions: unknown[] };
      const deltas = outputs.deltas as { deltaIds: string[] };
      const publish = outputs['publish-prep'] as {
        batchId: string;
        scheduledAt: number;
        status: string;
        moderation: Record<string, number>;
        searchJobCount: number;
      };
      return {
        summaryVersion: consolidate.summaryVersion,
        mentionCount: extract.mentions.length,
        deltaCount: deltas.deltaIds.length,
        publishing: {
          batchId: publish.batchId,
          scheduledAt: publish.scheduledAt,
          status: publish.status,
          moderation: publish.moderation,
        },
        searchJobCount: publish.searchJobCount,
      };
    },
    hooks: {
      async onQueued(tx, job) {
        await recordRun(tx, job, { status: 'queued' });
        await tx.emit('offline.sessionClosure.queued', {
          jobId: job.jobId,
          sessionId: job.payload.sessionId,
          trigger: job.payload.trigger,
          auditRef: job.payload.auditRef,
          enqueuedAt: job.enqueuedAt,
        });
      },
      async onStarted(tx, job) {
        await recordRun(tx, job, { status: 'processing', error: null });
        const common = { jobId: job.jobId, sessionId: job.payload.sessionId };
        await tx.emit('offline.sessionClosure.started', {
          ...common,
          startedAt: tx.now,
          attempts: job.attempts,
          queuedForMs: tx.now - job.runAt,
        });
        await tx.emit('telemetry.offline.workflow.started', { ...common, attempt: job.attempts });
      },
      async onStepCompleted(tx, job, step) {
        await tx.emit('offline.sessionClosure.step', {
          jobId: job.jobId,
          sessionId: job.payload.sessionId,
          step: step.step,
          attempt: step.attempt,
          durationMs: step.durationMs,
        });
      },
      async onCompleted(tx, job, result) {
        const r = result as ClosureJobResult;
        await recordRun(tx, job, {
          status: 'completed',
          summaryVersion: r.summaryVersion,
          mentionCount: r.mentionCount,
          deltaCount: r.deltaCount,
          publishingBatchId: r.publishing.batchId,
          publishingStatus: r.publishing.status,
          moderation: r.publishing.moderation,
          error: null,
        });
        const common = { jobId: job.jobId, sessionId: job.payload.sessionId };
        await tx.emit('offline.sessionClosure.completed', {
          ...common,
          completedAt: job.completedAt,
          durationMs: job.durationMs,
          result,
        });
        await tx.emit('telemetry.offline.workflow.completed', {
          ...common,
          durationMs: job.durationMs,
          summaryVersion: r.summaryVersion,
          mentionCount: r.mentionCount,
          deltaCount: r.deltaCount,
        });
        const pruned = await pruneRuns(tx, job.payload.sessionId, deps.historyRetention);
        // Retention is configurable and never silent (spec section 9).
        if (pruned > 0)
          deps.logger.info({ sessionId: job.payload.sessionId, pruned, keep: deps.historyRetention }, 'pruned workflow history');
      },
      async onFailed(tx, job, error: JobError, final, retryAt) {
        // The session stays pendingOfflineReconcile; the history says failed, with the error.
        await recordRun(tx, job, { status: 'failed', error: { message: error.message, code: error.code } });
        const common = { jobId: job.jobId, sessionId: job.payload.sessionId };
        await tx.emit('telemetry.offline.workflow.failed', { ...common, message: error.message, attempt: job.attempts, final });
        if (final) {
          await tx.emit('offline.sessionClosure.failed', {
            ...common,
            completedAt: job.completedAt,
            durationMs: job.durationMs,
            message: error.message,
            error,
            attempts: job.attempts,
          });
          await tx.raiseAlert({
            reason: 'offline.workflow_failed',
            sessionId: job.payload.sessionId,
            jobId: job.jobId,
            data: { ...common, error, attempts: job.attempts },
          });
        } else {
          await tx.emit('offline.sessionClosure.retrying', { ...common, attempts: job.attempts, retryAt, error });
          await tx.raiseAlert({
            reason: 'offline.workflow_attempt_failed',
            sessionId: job.payload.sessionId,
            jobId: job.jobId,
            data: { ...common, error, attempts: job.attempts, retryAt },
          });
        }
      },
      async onCancelled(tx, job) {
        await recordRun(tx, job, { status: 'cancelled' });
        await tx.emit('offline.sessionClosure.cancelled', { jobId: job.jobId, sessionId: job.payload.sessionId });
      },
      async onSlaExceeded(tx, job, lateByMs) {
        const durationMs = job.durationMs ?? tx.now - (job.startedAt ?? job.enqueuedAt);
        const common = { jobId: job.jobId, sessionId: job.payload.sessionId };
        await tx.emit('telemetry.offline.workflow.latency', {
          ...common,
          durationMs,
          slaMs: job.slaMs,
          lateByMs,
          status: job.status,
        });
        const [row] = await tx.query<{ sla_alerted: number }>('SELECT sla_alerted FROM jobs WHERE id = ?', [job.jobId]);
        // The watchdog may already have alerted while the job was late; one alert per job.
        if (job.status === 'completed' && Number(row?.sla_alerted) === 1) return;
        await markSlaAlerted(tx, job.jobId);
        await tx.raiseAlert({
          reason: 'offline.workflow_sla_exceeded',
          sessionId: job.payload.sessionId,
          jobId: job.jobId,
          data: { ...common, durationMs, slaMs: job.slaMs, status: job.status },
        });
      },
    },
  };
}
