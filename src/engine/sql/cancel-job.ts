import type { SqlExecutor } from '../../store/ports.js';
import type { Job } from '../types.js';
import { clearLease, rowToJob, unfinishedStatuses } from './row-to-job.js';

/** Operator cancel of an unfinished job; null when it is not unfinished. A running worker loses its lease. */
export async function cancelJob(db: SqlExecutor, jobId: string, now: number): Promise<Job | null> {
  const rows = await db.query(
    `UPDATE jobs SET status = 'cancelled', completed_at = ?, duration_ms = ? - COALESCE(started_at, enqueued_at),
        error = ?, ${clearLease}, updated_at = ?
     WHERE id = ? AND status IN ${unfinishedStatuses} RETURNING *`,
    [now, now, JSON.stringify({ message: 'cancelled by operator', code: 'job_cancelled' }), now, jobId],
  );
  if (!rows[0]) return null;
  const job = rowToJob(rows[0]);
  await db.run(`UPDATE job_attempts SET ended_at = ?, outcome = 'cancelled' WHERE job_id = ? AND ended_at IS NULL`, [now, jobId]);
  return job;
}
