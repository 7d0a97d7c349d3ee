import type { SqlExecutor } from '../../store/ports.js';
import type { Job, JobQuery } from '../types.js';
import { rowToJob } from './row-to-job.js';

/** Jobs newest first (by enqueue sequence), filtered. */
export async function listJobs(db: SqlExecutor, query: JobQuery): Promise<Job[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.status) where.push('status = ?'), params.push(query.status);
  if (query.workflow) where.push('workflow = ?'), params.push(query.workflow);
  if (query.concurrencyKey) where.push('concurrency_key = ?'), params.push(query.concurrencyKey);
  if (query.idempotencyKey) where.push('idempotency_key = ?'), params.push(query.idempotencyKey);
  if (query.beforeSeq !== undefined) where.push('seq < ?'), params.push(query.beforeSeq);
  const rows = await db.query(
    `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`,
    [...params, query.limit],
  );
  return rows.map((r) => rowToJob(r));
}
