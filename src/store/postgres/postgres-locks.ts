/**
 * Locks on PostgreSQL. Many processes may work on one database, so there is no work lock: the
 * engine's leases and `FOR UPDATE SKIP LOCKED` claims keep them apart. Migrations take a
 * session-level advisory lock per schema (see PostgresDriver.withMigrationLock), so two
 * installations in one database never block each other.
 */

/** A stable 32-bit advisory lock key per schema and purpose. */
export function advisoryLockKey(schema: string, purpose: string): number {
  let hash = 0x2f3a;
  for (const ch of `afterword:${purpose}:${schema}`) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) | 0;
  return hash;
}

/** The work lock is a no-op here: workers in any number of processes share the store safely. */
export function acquirePostgresWorkLock(): () => void {
  return () => undefined;
}
