import type { Tx } from '../telemetry/outbox.js';
import { engineTopics } from './engine-topics.js';
import { claimSlaReport } from './sql/claim-sla-report.js';
import { completeJob } from './sql/complete-jobs.js';
import type { Job, StepContext, StepDefinition, StepRecord, WorkflowDefinition } from './types.js';

/**
 * The two transitions both engines make the same way, inside the caller's transaction: a step's
 * effects committed with its checkpoint, and a job completed with its topic, hooks and SLA check.
 * The built-in worker and the Temporal activities differ in how they fence and batch around
 * these (group commit, set-based completion, activity retries), never in what the transitions
 * write, so the job records, topics and alerts are the same whichever engine ran.
 */

/** Commit a step's effects (its `commit`, if any) and return its checkpoint record. */
export async function commitStepEffects(
  tx: Tx,
  step: StepDefinition<any, any, any, any>,
  stepIndex: number,
  output: unknown,
  ctx: StepContext<unknown>,
): Promise<StepRecord> {
  const committed = step.commit ? await step.commit(tx, output, ctx) : undefined;
  return {
    step: step.name,
    stepIndex,
    attempt: ctx.attempt,
    output: committed === undefined ? output : committed,
    startedAt: ctx.now,
    completedAt: tx.now,
    durationMs: tx.now - ctx.now,
  };
}

export interface CompletionOptions {
  /** Defer the job row's update into one statement per commit batch (built-in group commit). */
  setBased: boolean;
  /** The last step's checkpoint, written with the completion instead of on its own. */
  lastStep?: StepRecord;
}

/** Complete a job from its steps' outputs: the row, `engine.job.completed`, `onCompleted`, and one SLA alert per breach. */
export async function completeWithHooks(
  tx: Tx,
  def: WorkflowDefinition<any, any>,
  job: Job,
  token: string,
  outputs: Record<string, unknown>,
  options: CompletionOptions,
): Promise<Job> {
  const result = def.result(outputs, job);
  const completed = await completeJob(tx, job, token, result, options.setBased, options.lastStep);
  await engineTopics.emit(tx, 'engine.job.completed', {
    jobId: job.jobId,
    workflow: job.workflow,
    durationMs: completed.durationMs,
    attempts: completed.attempts,
  });
  await def.hooks?.onCompleted?.(tx, completed, result);
  const lateByMs = (completed.durationMs ?? 0) - (completed.slaMs ?? Number.POSITIVE_INFINITY);
  if (completed.slaMs !== null && lateByMs > 0 && def.hooks?.onSlaExceeded) {
    // The watchdog may already have reported this job while it was late: one alert per breach.
    const firstReport = await claimSlaReport(tx, job.jobId);
    await def.hooks.onSlaExceeded(tx, completed, lateByMs, firstReport);
  }
  return completed;
}
