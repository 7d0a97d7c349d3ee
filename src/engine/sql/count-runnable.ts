import { placeholders, readInt, type SqlExecutor } from '../../store/ports.js';

/** Jobs of these workflows running now or due now (an engine is idle when there are none). */
export async function countRunnable(db: SqlExecutor, workflows: readonly string[], now: number): Promise<number> {
  if (workflows.length === 0) return 0;
  const rows = await db.query(
    `SELECT COUNT(*) AS n FROM jobs WHERE workflow IN (${placeholders(workflows.length)})
       AND (status = 'processing' OR (status IN ('queued', 'retrying') AND run_at <= ?))`,
    [...workflows, now],
  );
  return readInt(rows[0]?.n ?? 0);
}
