import type { SqlExecutor } from '../../store/ports.js';

/** Delete the job's checkpoints from `fromIndex` on (a re-run from that step). Returns the discarded step names. */
export async function discardSteps(db: SqlExecutor, jobId: string, fromIndex: number): Promise<string[]> {
  const rows = await db.query<{ step: string }>('DELETE FROM job_steps WHERE job_id = ? AND step_index >= ? RETURNING step', [
    jobId,
    fromIndex,
  ]);
  return rows.map((r) => String(r.step));
}
