import type { SqlExecutor } from '../../store/ports.js';
import type { StepRecord } from '../types.js';

/** Checkpoint a finished step (once per job and step: a repeat is ignored). Returns whether it was written. */
export async function recordStep(db: SqlExecutor, jobId: string, record: StepRecord): Promise<boolean> {
  const result = await db.run(
    `INSERT INTO job_steps (job_id, step, step_index, attempt, output, started_at, completed_at, duration_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [
      jobId,
      record.step,
      record.stepIndex,
      record.attempt,
      JSON.stringify(record.output ?? null),
      record.startedAt,
      record.completedAt,
      record.durationMs,
    ],
  );
  return result.changes === 1;
}
