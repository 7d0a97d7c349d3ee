import { AfterwordError } from '../../errors.js';
import type { SqlExecutor } from '../../store/ports.js';
import type { Job, JobError } from '../types.js';
import { endAttempt } from './end-attempt.js';
import { clearLease, rowToJob } from './row-to-job.js';

/** Record a failed attempt, fenced by the lease: `retryAt` null means the job failed for good. */
export async function failJob(
  db: SqlExecutor,
  jobId: string,
  leaseToken: string,
  error: JobError,
  retryAt: number | null,
  now: number,
): Promise<Job> {
  const rows = await db.query(
    retryAt === null
      ? `UPDATE jobs SET status = 'failed', completed_at = ?, duration_ms = ? - COALESCE(started_at, enqueued_at), error = ?,
           ${clearLease}, updated_at = ?
         WHERE id = ? AND lease_token = ? AND status = 'processing' RETURNING *`
      : `UPDATE jobs SET status = 'retrying', run_at = ?, error = ?, ${clearLease}, updated_at = ?
         WHERE id = ? AND lease_token = ? AND status = 'processing' RETURNING *`,
    retryAt === null
      ? [now, now, JSON.stringify(error), now, jobId, leaseToken]
      : [retryAt, JSON.stringify(error), now, jobId, leaseToken],
  );
  if (!rows[0]) throw new AfterwordError('lease_lost', `job ${jobId}: lease lost before recording its failure`);
  const job = rowToJob(rows[0]);
  await endAttempt(db, job, now, retryAt === null ? 'failed' : 'retrying', error);
  return job;
}
