import type { SqlExecutor } from '../../store/ports.js';
import type { Job, JobError } from '../types.js';

/** Close the job's current attempt record with its outcome. */
export async function endAttempt(db: SqlExecutor, job: Job, now: number, outcome: string, error: JobError | null): Promise<void> {
  await db.run(
    `UPDATE job_attempts SET ended_at = ?, outcome = ?, error = ? WHERE job_id = ? AND attempt = ? AND ended_at IS NULL`,
    [now, outcome, error ? JSON.stringify(error) : null, job.jobId, job.attempts],
  );
}
