import { AfterwordError } from '../../errors.js';

/**
 * SQLite errors. `SQLITE_BUSY` means another connection holds the database's write lock for
 * longer than the busy timeout (another process writing the same file): retryable, and reported
 * as `store_locked`. Every other error (constraints, syntax) passes through with its own code.
 */
export function translateError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof AfterwordError || (code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED')) return error;
  return new AfterwordError('store_locked', `SQLite database is locked by another connection: ${(error as Error).message}`, {
    retryable: true,
    cause: error,
  });
}

/** A unique violation: a concurrent insert of the same key (migrations). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
