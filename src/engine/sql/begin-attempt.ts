import type { SqlExecutor } from '../../store/ports.js';
import type { Job } from '../types.js';
import { rowToJob } from './row-to-job.js';

/**
 * Begin an attempt of one job for an engine that schedules it elsewhere (the Temporal engine: the
 * workflow run decided it is due). The job becomes `processing` under `leaseToken`, held by
 * `leaseOwner` (the workflow run) until `leaseExpiresAt`; its attempt is counted and recorded. A
 * job still processing under another owner (a run that was ended: terminated, reset) is taken
 * over, its open attempt closed as `lease_expired`. Idempotent for the same token (an activity
 * repeated after a crash): the job is returned as it is, with `begun: false`. Null when the job is
 * not there to begin (finished, cancelled, or absent).
 */
export async function beginAttempt(
  db: SqlExecutor,
  request: { jobId: string; leaseOwner: string; leaseToken: string; leaseExpiresAt: number; workerId: string; now: number },
): Promise<{ job: Job; begun: boolean } | null> {
  const { jobId, leaseOwner, leaseToken, leaseExpiresAt, workerId, now } = request;
  const current = await db.query('SELECT * FROM jobs WHERE id = ?', [jobId]);
  if (!current[0]) return null;
  const existing = rowToJob(current[0]);
  if (existing.leaseToken === leaseToken && existing.status === 'processing') return { job: existing, begun: false };
  const rows = await db.query(
    `UPDATE jobs SET status = 'processing', lease_owner = ?, lease_token = ?, lease_expires_at = ?,
        attempts = attempts + 1, started_at = COALESCE(started_at, ?), updated_at = ?
     WHERE id = ? AND (status IN ('queued', 'retrying') OR (status = 'processing' AND (lease_owner IS NULL OR lease_owner <> ?)))
     RETURNING *`,
    [leaseOwner, leaseToken, leaseExpiresAt, now, now, jobId, leaseOwner],
  );
  if (!rows[0]) return null;
  const job = rowToJob(rows[0]);
  await db.run(`UPDATE job_attempts SET ended_at = ?, outcome = 'lease_expired' WHERE job_id = ? AND ended_at IS NULL`, [
    now,
    jobId,
  ]);
  await db.run('INSERT INTO job_attempts (job_id, attempt, worker_id, started_at) VALUES (?, ?, ?, ?)', [
    jobId,
    job.attempts,
    workerId,
    now,
  ]);
  return { job, begun: true };
}
