import type { SqlExecutor } from '../../store/ports.js';

/**
 * Mark the job's SLA breach reported; true when this call is the first to report it (the
 * watchdog may have reported it already while the job was late), so a breach alerts once.
 */
export async function claimSlaReport(db: SqlExecutor, jobId: string): Promise<boolean> {
  const result = await db.run('UPDATE jobs SET sla_alerted = 1 WHERE id = ? AND sla_alerted = 0', [jobId]);
  return result.changes === 1;
}
