import { placeholders, type SqlExecutor, type SqlFragments } from '../../store/ports.js';
import { terminalStatuses } from '../types.js';

export interface PrunedJobs {
  jobs: number;
  steps: number;
  attempts: number;
}

const finished = terminalStatuses.map((s) => `'${s}'`).join(', ');

/**
 * Delete up to `limit` finished jobs completed before `before`, with their checkpoints and
 * attempts (retention). Safe beside live workers and operators: the jobs are locked and checked
 * for being finished in one statement (a job an operator retries or re-runs meanwhile is no longer
 * finished, or waits for this transaction and then finds nothing), and only the steps and
 * attempts of exactly those jobs follow. On PostgreSQL the step and attempt tables have no foreign
 * key to `jobs` (migration 0003), so nothing cascades by itself; they go first on every store.
 */
export async function pruneFinishedJobs(
  db: SqlExecutor,
  fragments: Pick<SqlFragments, 'rowLockClause'>,
  before: number,
  limit: number,
): Promise<PrunedJobs> {
  const locked = await db.query<{ id: string }>(
    `SELECT id FROM jobs WHERE status IN (${finished}) AND completed_at < ? ORDER BY completed_at LIMIT ?${fragments.rowLockClause}`,
    [before, limit],
  );
  if (locked.length === 0) return { jobs: 0, steps: 0, attempts: 0 };
  const ids = locked.map((r) => String(r.id));
  const list = placeholders(ids.length);
  const steps = await db.run(`DELETE FROM job_steps WHERE job_id IN (${list})`, ids);
  const attempts = await db.run(`DELETE FROM job_attempts WHERE job_id IN (${list})`, ids);
  const jobs = await db.run(`DELETE FROM jobs WHERE id IN (${list})`, ids);
  return { jobs: jobs.changes, steps: steps.changes, attempts: attempts.changes };
}
