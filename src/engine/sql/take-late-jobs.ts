import type { SqlExecutor } from '../../store/ports.js';
import type { Job } from '../types.js';
import { rowToJob, unfinishedStatuses } from './row-to-job.js';

/** Unfinished jobs past their SLA that have not been reported yet; marks them reported (the watchdog). */
export async function takeLateJobs(db: SqlExecutor, now: number): Promise<Job[]> {
  const rows = await db.query(
    `UPDATE jobs SET sla_alerted = 1
     WHERE status IN ${unfinishedStatuses} AND sla_ms IS NOT NULL AND sla_alerted = 0
       AND ? - COALESCE(started_at, enqueued_at) > sla_ms
     RETURNING *`,
    [now],
  );
  return rows.map((r) => rowToJob(r));
}
