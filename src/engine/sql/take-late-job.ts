import type { SqlExecutor } from '../../store/ports.js';
import type { Job } from '../types.js';
import { rowToJob, unfinishedStatuses } from './row-to-job.js';

/**
 * The one job, if it is unfinished, past its SLA and not reported yet; marks it reported (the
 * Temporal engine's SLA timer fires per job, where the built-in watchdog sweeps them all).
 */
export async function takeLateJob(db: SqlExecutor, jobId: string, now: number): Promise<Job | null> {
  const rows = await db.query(
    `UPDATE jobs SET sla_alerted = 1
     WHERE id = ? AND status IN ${unfinishedStatuses} AND sla_ms IS NOT NULL AND sla_alerted = 0
       AND ? - COALESCE(started_at, enqueued_at) > sla_ms
     RETURNING *`,
    [jobId, now],
  );
  return rows[0] ? rowToJob(rows[0]) : null;
}
