import { readInt, readJson, type SqlExecutor } from '../../store/ports.js';
import type { StepRecord } from '../types.js';

/** The job's checkpointed steps, in step order. */
export async function loadSteps(db: SqlExecutor, jobId: string): Promise<StepRecord[]> {
  const rows = await db.query('SELECT * FROM job_steps WHERE job_id = ? ORDER BY step_index', [jobId]);
  return rows.map((r) => ({
    step: String(r.step),
    stepIndex: readInt(r.step_index),
    attempt: readInt(r.attempt),
    output: readJson(r.output, null),
    startedAt: readInt(r.started_at),
    completedAt: readInt(r.completed_at),
    durationMs: readInt(r.duration_ms),
  }));
}
