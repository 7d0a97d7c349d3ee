import { AfterwordError } from '../../errors.js';
import type { SqlExecutor } from '../../store/ports.js';

/** Fail with `lease_lost` unless this worker still holds the job: every fenced write starts here. */
export async function assertLease(db: SqlExecutor, jobId: string, leaseToken: string, now: number): Promise<void> {
  const result = await db.run(`UPDATE jobs SET updated_at = ? WHERE id = ? AND lease_token = ? AND status = 'processing'`, [
    now,
    jobId,
    leaseToken,
  ]);
  if (result.changes !== 1) throw new AfterwordError('lease_lost', `job ${jobId}: lease lost; this worker may not write it`);
}
