import type { SqlExecutor } from '../../store/ports.js';
import type { Job } from '../types.js';
import { rowToJob } from './row-to-job.js';

/**
 * Queue a finished job again for an operator (retry of a failed or cancelled job, re-run of any
 * finished one): it gets `extraAttempts` more attempts and its finished state is cleared. Null
 * when the job is not in one of `from`.
 */
export async function requeueJob(
  db: SqlExecutor,
  jobId: string,
  from: readonly ('completed' | 'failed' | 'cancelled')[],
  extraAttempts: number,
  now: number,
): Promise<Job | null> {
  const rows = await db.query(
    `UPDATE jobs SET status = 'queued', run_at = ?, max_attempts = attempts + ?, completed_at = NULL, duration_ms = NULL,
        result = NULL, sla_alerted = 0, updated_at = ?
     WHERE id = ? AND status IN (${from.map((s) => `'${s}'`).join(', ')}) RETURNING *`,
    [now, extraAttempts, now, jobId],
  );
  return rows[0] ? rowToJob(rows[0]) : null;
}
