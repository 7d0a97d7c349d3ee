import type { SqlExecutor } from '../../store/ports.js';
import type { Job } from '../types.js';
import { rowToJob } from './row-to-job.js';

/** Move a job that is waiting to run (queued or retrying) to `runAt`; null when it is not waiting. */
export async function rescheduleJob(db: SqlExecutor, jobId: string, runAt: number, now: number): Promise<Job | null> {
  const rows = await db.query(
    `UPDATE jobs SET run_at = ?, updated_at = ? WHERE id = ? AND status IN ('queued', 'retrying') RETURNING *`,
    [runAt, now, jobId],
  );
  return rows[0] ? rowToJob(rows[0]) : null;
}
