import { AfterwordError } from '../../errors.js';
import type { DeferredWrite } from '../../store/transaction.js';
import type { Tx } from '../../telemetry/outbox.js';
import type { Job, StepRecord } from '../types.js';
import { endAttempt } from './end-attempt.js';
import { recordStep } from './record-step.js';
import { clearLease, rowToJob } from './row-to-job.js';

/** One job's completion, as the set-based write takes it. */
interface Completion {
  id: string;
  token: string;
  result: Record<string, unknown>;
  at: number;
  step?: string;
  step_index?: number;
  attempt?: number;
  output?: unknown;
  step_started_at?: number;
  step_duration_ms?: number;
}

/**
 * With writable CTEs (PostgreSQL): every completion of a group-committed batch in ONE statement:
 * the fenced completions, the ends of their attempt records and their last step checkpoints.
 * The rows travel as one JSON document (no per-row parameters to number). A completion whose
 * lease was lost matches no row; then the whole statement is refused with `lease_lost` and the
 * runner settles each operation on its own to find which.
 */
const completionsInOneStatement: DeferredWrite<Completion> = {
  name: 'job-completions',
  async flush(executor, items) {
    const rows = await executor.query<{ id: string }>(
      `WITH todo AS (
         SELECT * FROM jsonb_to_recordset(?::jsonb) AS t(id text, token text, result jsonb, at bigint, step text,
           step_index integer, attempt integer, output jsonb, step_started_at bigint, step_duration_ms bigint)),
       done AS (
         UPDATE jobs SET status = 'completed', completed_at = todo.at, duration_ms = todo.at - COALESCE(jobs.started_at, jobs.enqueued_at),
             result = todo.result, error = NULL, ${clearLease}, updated_at = todo.at
         FROM todo WHERE jobs.id = todo.id AND jobs.lease_token = todo.token AND jobs.status = 'processing'
         RETURNING jobs.id, jobs.attempts, todo.at),
       ended AS (
         UPDATE job_attempts SET ended_at = done.at, outcome = 'completed'
         FROM done WHERE job_attempts.job_id = done.id AND job_attempts.attempt = done.attempts AND job_attempts.ended_at IS NULL),
       steps AS (
         INSERT INTO job_steps (job_id, step, step_index, attempt, output, started_at, completed_at, duration_ms)
         SELECT todo.id, todo.step, todo.step_index, todo.attempt, COALESCE(todo.output, 'null'::jsonb), todo.step_started_at,
           todo.at, todo.step_duration_ms
         FROM todo JOIN done ON done.id = todo.id WHERE todo.step IS NOT NULL
         ON CONFLICT DO NOTHING)
       SELECT id FROM done`,
      [JSON.stringify(items)],
    );
    if (rows.length === items.length) return;
    const completed = new Set(rows.map((r) => r.id));
    const lost = items.find((item) => !completed.has(item.id));
    throw new AfterwordError('lease_lost', `job ${lost?.id}: lease lost before completion`);
  },
};

/**
 * Complete a job this worker holds, with its last step's checkpoint if given, fenced by the
 * lease token. Step by step, it is written at once. Set-based (`setBased`), it is deferred to
 * one statement per transaction (`completionsInOneStatement`); the completed job is computed
 * from the claimed one, which is exact because nothing else may write a job whose lease is held,
 * and a lost lease fails the commit (`lease_lost`), rolling back everything the caller wrote
 * with it.
 */
export async function completeJob(
  tx: Tx,
  job: Job,
  leaseToken: string,
  result: Record<string, unknown>,
  setBased: boolean,
  lastStep?: StepRecord,
): Promise<Job> {
  const now = tx.now;
  if (setBased) {
    tx.defer(completionsInOneStatement, {
      id: job.jobId,
      token: leaseToken,
      result,
      at: now,
      ...(lastStep
        ? {
            step: lastStep.step,
            step_index: lastStep.stepIndex,
            attempt: lastStep.attempt,
            output: lastStep.output ?? null,
            step_started_at: lastStep.startedAt,
            step_duration_ms: lastStep.durationMs,
          }
        : {}),
    });
    return {
      ...job,
      status: 'completed',
      completedAt: now,
      durationMs: now - (job.startedAt ?? job.enqueuedAt),
      result,
      error: null,
      leaseOwner: null,
      leaseToken: null,
      leaseExpiresAt: null,
      updatedAt: now,
    };
  }
  const rows = await tx.query(
    `UPDATE jobs SET status = 'completed', completed_at = ?, duration_ms = ? - COALESCE(started_at, enqueued_at),
        result = ?, error = NULL, ${clearLease}, updated_at = ?
     WHERE id = ? AND lease_token = ? AND status = 'processing' RETURNING *`,
    [now, now, JSON.stringify(result), now, job.jobId, leaseToken],
  );
  if (!rows[0]) throw new AfterwordError('lease_lost', `job ${job.jobId}: lease lost before completion`);
  const completed = rowToJob(rows[0]);
  await endAttempt(tx, completed, now, 'completed', null);
  if (lastStep) await recordStep(tx, job.jobId, lastStep);
  return completed;
}
