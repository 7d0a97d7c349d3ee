import type { SqlExecutor } from '../../store/ports.js';
import type { Job } from '../types.js';
import { rowToJob } from './row-to-job.js';

export async function getJob(db: SqlExecutor, jobId: string): Promise<Job | null> {
  const rows = await db.query('SELECT * FROM jobs WHERE id = ?', [jobId]);
  return rows[0] ? rowToJob(rows[0]) : null;
}
