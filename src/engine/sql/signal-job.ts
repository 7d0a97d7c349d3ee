import type { SqlExecutor } from '../../store/ports.js';
import type { Job } from '../types.js';
import { rowToJob, unfinishedStatuses } from './row-to-job.js';

/**
 * Deliver `signal` to a job. A job waiting for it becomes due now (`woke`); an unfinished job
 * not waiting for it records it, so a step about to wait for it does not wait (see park-job.ts).
 * Null when the job is finished or absent.
 *
 * The row is locked first (`rowLock`, the dialect's row-lock clause): without it, on PostgreSQL
 * a step parking the job between the two UPDATEs below lost the wake-up (the first saw the job
 * still processing, the second only recorded the signal after the park committed), and the
 * job slept until its safety-net recheck. With the lock, the park either commits first (the
 * first UPDATE wakes it) or waits for this commit and then sees the recorded signal.
 */
export async function signalJob(
  db: SqlExecutor,
  jobId: string,
  signal: string,
  now: number,
  rowLock = '',
): Promise<{ job: Job; woke: boolean } | null> {
  if (rowLock) await db.query(`SELECT id FROM jobs WHERE id = ?${rowLock}`, [jobId]);
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
