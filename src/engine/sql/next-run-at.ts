import { placeholders, readOptionalInt, type SqlExecutor } from '../../store/ports.js';

/** The earliest `run_at` among waiting jobs of these workflows, so an idle worker can sleep until then. */
export async function nextRunAt(db: SqlExecutor, workflows: readonly string[]): Promise<number | null> {
  if (workflows.length === 0) return null;
  const rows = await db.query<{ at: number | null }>(
    `SELECT MIN(run_at) AS at FROM jobs WHERE status IN ('queued', 'retrying') AND workflow IN (${placeholders(workflows.length)})`,
    workflows,
  );
  return readOptionalInt(rows[0]?.at);
}
