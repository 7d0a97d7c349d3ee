import { AfterwordError } from '../../errors.js';
import type { SqlExecutor } from '../../store/ports.js';
import type { Job } from '../types.js';
import { clearLease, rowToJob } from './row-to-job.js';

/**
 * A running job starts waiting for `signal`, fenced by the lease: it is queued again, due at
 * `until` (a safety net), without counting the attempt, and its attempt record says `waiting`.
 * If the signal already arrived since `since` (the claim), it is due at once instead: a signal
 * sent while the step was deciding to wait is not lost.
 */
export async function parkJob(
  db: SqlExecutor,
  request: { jobId: string; leaseToken: string; signal: string; until: number; since: number; now: number },
): Promise<Job> {
  const { jobId, leaseToken, signal, until, since, now } = request;
  const received = 'last_signal = ? AND last_signal_at >= ?';
  // CAST: the CASE's branches are parameters, whose type PostgreSQL cannot infer on its own.
  const rows = await db.query(
    `UPDATE jobs SET status = 'queued', attempts = attempts - 1,
        run_at = CASE WHEN ${received} THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END,
        awaiting_signal = CASE WHEN ${received} THEN NULL ELSE ? END,
        ${clearLease}, updated_at = ?
     WHERE id = ? AND lease_token = ? AND status = 'processing' RETURNING *`,
    [signal, since, now, until, signal, since, signal, now, jobId, leaseToken],
  );
  if (!rows[0]) throw new AfterwordError('lease_lost', `job ${jobId}: lease lost before it could wait`);
  await db.run(`UPDATE job_attempts SET ended_at = ?, outcome = 'waiting' WHERE job_id = ? AND ended_at IS NULL`, [now, jobId]);
  return rowToJob(rows[0]);
}
