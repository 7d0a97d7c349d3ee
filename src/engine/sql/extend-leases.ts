import type { SqlExecutor } from '../../store/ports.js';

/** Extend the leases a worker still holds; returns the ids it still holds (others were lost). */
export async function extendLeases(
  db: SqlExecutor,
  held: ReadonlyArray<{ jobId: string; leaseToken: string }>,
  workerId: string,
  expiresAt: number,
): Promise<Set<string>> {
  // One auto-committed statement per job, never one statement over all of them: a multi-row
  // UPDATE locks its rows in no particular order while group-commit transactions hold some of the
  // same rows, and on PostgreSQL that deadlocks (seen in the chaos test). A single-row statement
  // holding no other lock can only wait, never deadlock. A few rows every `heartbeatMs` is cheap.
  const still = new Set<string>();
  for (const { jobId, leaseToken } of held) {
    const result = await db.run(
      `UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND lease_token = ? AND lease_owner = ? AND status = 'processing'`,
      [expiresAt, jobId, leaseToken, workerId],
    );
    if (result.changes === 1) still.add(jobId);
  }
  return still;
}
