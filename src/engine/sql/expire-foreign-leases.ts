import type { SqlExecutor } from '../../store/ports.js';

/** Make every processing lease not held by `workerId` claimable now (single-process stores, after taking the work lock). */
export async function expireForeignLeases(db: SqlExecutor, workerId: string, now: number): Promise<number> {
  const result = await db.run(
    `UPDATE jobs SET lease_expires_at = ? WHERE status = 'processing' AND (lease_owner IS NULL OR lease_owner <> ?)`,
    [now, workerId],
  );
  return result.changes;
}
