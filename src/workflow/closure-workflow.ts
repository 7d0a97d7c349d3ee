import { deleteUndecidedDeltasOfJob } from '../canon/delta-store.js';
import { batchOfJob, deleteUnpublishedBatch } from '../canon/publishing-store.js';
import { deleteMentionsOfJob, deleteSummaryOfJob } from '../canon/summary-store.js';
import type { JobError, WorkflowDefinition } from '../engine/types.js';
import { invalidInput } from '../errors.js';
import { resolveAlerts } from '../telemetry/alert-lifecycle.js';
import { spanAttributes } from '../telemetry/tracing.js';
import { markPendingReconcile } from '../sessions/session-store.js';
import { type ClosureJobPayload, type ClosureJobResult, closureWorkflowName } from './closure-payload.js';
import { type ClosureStepDeps, closureSteps } from './closure-steps.js';
import { closureAlerts, closureTopics } from './closure-topics.js';
import { batchHeldCause, batchModerationCause, jobCauses } from './moderation-causes.js';

/**
 * The closure workflow: the six steps plus the hooks that publish the spec's topics and raise
 * admin alerts, all inside the engine's transition transactions. The session's run history is
 * read from the closure jobs themselves (closure-run-history.ts), so no hook mirrors it.
 */
export function closureWorkflow(
  deps: ClosureStepDeps & { slaMs: number },
): WorkflowDefinition<ClosureJobPayload, ClosureJobResult> {
  const steps = closureSteps(deps);
  return {
    name: closureWorkflowName,
    steps: steps.steps,
    slaMs: deps.slaMs,
    trace: {
      parent: (job) => job.payload.traceparent,
      attributes: (job) => ({
        [spanAttributes.sessionId]: job.payload.sessionId,
        'afterword.closure.trigger': job.payload.trigger,
      }),
    },
    result: steps.result((outputs) => {
      const publish = outputs['publish-prep'];
      return {
        summaryVersion: outputs.consolidate.summaryVersion,
        mentionCount: outputs.extract.mentionCount,
        deltaCount: outputs.deltas.deltaIds.length,
        publishing: {
          batchId: publish.batchId,
          scheduledAt: publish.scheduledAt,
          status: publish.status,
          moderation: publish.moderation,
        },
        searchJobCount: publish.searchJobCount,
      };
    }),
    hooks: {
      async onQueued(tx, job) {
        await closureTopics.emit(tx, 'offline.sessionClosure.queued', {
          jobId: job.jobId,
          sessionId: job.payload.sessionId,
          trigger: job.payload.trigger,
          auditRef: job.payload.auditRef,
          enqueuedAt: job.enqueuedAt,
        });
      },
      async onStarted(tx, job) {
        const common = { jobId: job.jobId, sessionId: job.payload.sessionId };
        await closureTopics.emit(tx, 'offline.sessionClosure.started', {
          ...common,
          startedAt: tx.now,
          attempts: job.attempts,
          queuedForMs: tx.now - job.runAt,
        });
        await closureTopics.emit(tx, 'telemetry.offline.workflow.started', { ...common, attempt: job.attempts });
      },
      async onStepCompleted(tx, job, step) {
        await closureTopics.emit(tx, 'offline.sessionClosure.step', {
          jobId: job.jobId,
          sessionId: job.payload.sessionId,
          step: step.step,
          attempt: step.attempt,
          durationMs: step.durationMs,
        });
      },
      async onCompleted(tx, job, result) {
        const common = { jobId: job.jobId, sessionId: job.payload.sessionId };
        // The job's failures and lateness are causes no longer: resolve their alerts.
        const causes = jobCauses(job.jobId);
        await resolveAlerts(tx, [causes.failed, causes.attempt, causes.sla], 'job_completed');
        await closureTopics.emit(tx, 'offline.sessionClosure.completed', {
          ...common,
          completedAt: job.completedAt,
          durationMs: job.durationMs,
          result,
        });
        await closureTopics.emit(tx, 'telemetry.offline.workflow.completed', {
          ...common,
          durationMs: job.durationMs,
          summaryVersion: result.summaryVersion,
          mentionCount: result.mentionCount,
          deltaCount: result.deltaCount,
        });
      },
      async onFailed(tx, job, error: JobError, final, retryAt) {
        // The session stays pendingOfflineReconcile; the history says failed, with the error.
        const common = { jobId: job.jobId, sessionId: job.payload.sessionId };
        await closureTopics.emit(tx, 'telemetry.offline.workflow.failed', {
          ...common,
          message: error.message,
          attempt: job.attempts,
          final,
        });
        if (final) {
          await closureTopics.emit(tx, 'offline.sessionClosure.failed', {
            ...common,
            completedAt: job.completedAt,
            durationMs: job.durationMs,
            message: error.message,
            error,
            attempts: job.attempts,
          });
          await closureAlerts.raise(tx, 'offline.workflow_failed', {
            sessionId: job.payload.sessionId,
            jobId: job.jobId,
            causeKey: jobCauses(job.jobId).failed,
            data: { ...common, error, attempts: job.attempts },
          });
        } else {
          await closureTopics.emit(tx, 'offline.sessionClosure.retrying', { ...common, attempts: job.attempts, retryAt, error });
          await closureAlerts.raise(tx, 'offline.workflow_attempt_failed', {
            sessionId: job.payload.sessionId,
            jobId: job.jobId,
            causeKey: jobCauses(job.jobId).attempt,
            data: { ...common, error, attempts: job.attempts, retryAt },
          });
        }
      },
      async onCancelled(tx, job) {
        await closureTopics.emit(tx, 'offline.sessionClosure.cancelled', { jobId: job.jobId, sessionId: job.payload.sessionId });
      },
      async onRerun(tx, job, _fromStep, discarded) {
        const again = new Set(discarded);
        // Published lore is kept (spec section 13): a closure whose batch is out cannot plan it again.
        if (again.has('publish-prep')) {
          const batch = await batchOfJob(tx, job.jobId);
          if (batch?.status === 'published') {
            throw invalidInput([
              {
                field: 'step',
                reason: `the closure's lore batch ${batch.batchId} is published and kept; re-run from reconcile`,
              },
            ]);
          }
          if (batch) {
            await deleteUnpublishedBatch(tx, batch.batchId);
            await resolveAlerts(tx, [batchModerationCause(batch.batchId), batchHeldCause(batch.batchId)], 'batch_replaced');
          }
        }
        if (again.has('deltas')) await deleteUndecidedDeltasOfJob(tx, job.jobId);
        if (again.has('extract')) await deleteMentionsOfJob(tx, job.jobId);
        if (again.has('consolidate')) await deleteSummaryOfJob(tx, job.jobId);
        // The session waits for reconciliation again, as after a manual re-run.
        await markPendingReconcile(tx, job.payload.sessionId, job.jobId, tx.now);
      },
      async onSlaExceeded(tx, job, lateByMs, firstReport) {
        const durationMs = job.durationMs ?? tx.now - (job.startedAt ?? job.enqueuedAt);
        const common = { jobId: job.jobId, sessionId: job.payload.sessionId };
        await closureTopics.emit(tx, 'telemetry.offline.workflow.latency', {
          ...common,
          durationMs,
          slaMs: job.slaMs,
          lateByMs,
          status: job.status,
        });
        // The watchdog may already have alerted while the job was late; one alert per job.
        if (!firstReport) return;
        await closureAlerts.raise(tx, 'offline.workflow_sla_exceeded', {
          sessionId: job.payload.sessionId,
          jobId: job.jobId,
          causeKey: jobCauses(job.jobId).sla,
          data: { ...common, durationMs, slaMs: job.slaMs, status: job.status },
        });
      },
    },
  };
}
