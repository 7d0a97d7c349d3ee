import type { SqlExecutor } from '../../store/ports.js';
import type { Job } from '../types.js';
import { rowToJob, unfinishedStatuses } from './row-to-job.js';

/**
 * Deliver `signal` to a job. A job waiting for it becomes due now (`woke`); an unfinished job
 * not waiting for it records it, so a step about to wait for it does not wait (see park-job.ts).
 * Null when the job is finished or absent.
 */
export async function signalJob(
  db: SqlExecutor,
  jobId: string,
  signal: string,
  now: number,
): Promise<{ job: Job; woke: boolean } | null> {
  const woken = await db.query(
    `UPDATE jobs SET run_at = ?, awaiting_signal = NULL, last_signal = ?, last_signal_at = ?, updated_at = ?
     WHERE id = ? AND awaiting_signal = ? AND status IN ('queued', 'retrying') RETURNING *`,
    [now, signal, now, now, jobId, signal],
  );
  if (woken[0]) return { job: rowToJob(woken[0]), woke: true };
  const recorded = await db.query(
    `UPDATE jobs SET last_signal = ?, last_signal_at = ?, updated_at = ? WHERE id = ? AND status IN ${unfinishedStatuses} RETURNING *`,
    [signal, now, now, jobId],
  );
  return recorded[0] ? { job: rowToJob(recorded[0]), woke: false } : null;
}
