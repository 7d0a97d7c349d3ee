import type { SqlExecutor } from '../../store/ports.js';
import { clearLease } from './row-to-job.js';

/**
 * Hand a job back without counting the interrupted attempt (shutdown), fenced by the lease:
 * due again at `runAt`. Returns whether this worker still held it.
 */
export async function releaseJob(
  db: SqlExecutor,
  jobId: string,
  leaseToken: string,
  runAt: number,
  now: number,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE jobs SET status = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'queued' END, attempts = attempts - 1, run_at = ?,
        ${clearLease}, updated_at = ?
     WHERE id = ? AND lease_token = ? AND status = 'processing' RETURNING id`,
    [runAt, now, jobId, leaseToken],
  );
  if (!rows[0]) return false;
  await db.run(`DELETE FROM job_attempts WHERE job_id = ? AND ended_at IS NULL`, [jobId]);
  return true;
}
