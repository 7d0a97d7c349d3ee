import { readInt, type SqlExecutor } from '../../store/ports.js';
import type { JobStatus } from '../types.js';

export async function countJobsByStatus(db: SqlExecutor, workflow?: string): Promise<Record<JobStatus, number>> {
  const rows = await db.query<{ status: JobStatus; n: number }>(
    `SELECT status, COUNT(*) AS n FROM jobs ${workflow ? 'WHERE workflow = ?' : ''} GROUP BY status`,
    workflow ? [workflow] : [],
  );
  const counts: Record<JobStatus, number> = { queued: 0, retrying: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const row of rows) counts[row.status] = readInt(row.n);
  return counts;
}
