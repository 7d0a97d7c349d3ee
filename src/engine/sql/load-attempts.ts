import { readInt, readJson, readOptionalInt, type SqlExecutor } from '../../store/ports.js';
import type { AttemptRecord, JobError } from '../types.js';

/** Every attempt of the job, oldest first. */
export async function loadAttempts(db: SqlExecutor, jobId: string): Promise<AttemptRecord[]> {
  const rows = await db.query('SELECT * FROM job_attempts WHERE job_id = ? ORDER BY started_at, attempt', [jobId]);
  return rows.map((r) => ({
    attempt: readInt(r.attempt),
    workerId: String(r.worker_id),
    startedAt: readInt(r.started_at),
    endedAt: readOptionalInt(r.ended_at),
    outcome: (r.outcome as string | null) ?? null,
    error: readJson<JobError | null>(r.error, null),
  }));
}
