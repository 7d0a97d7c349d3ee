import { AfterwordError } from '../../errors.js';

/**
 * Errors that mean "the database is not reachable right now" rather than "this statement is
 * wrong": the server restarted or shut down, the connection dropped, or it refused new ones.
 * They surface as retryable `store_unavailable` so the engine retries the work later.
 */
const transientSqlStates = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up / shutting down)
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
  '53300', // too_many_connections
]);

const transientNodeCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

const transientMessages = [
  'Connection terminated',
  'connection terminated',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
  'the database system is',
];

export function isTransientError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (transientSqlStates.has(code) || transientNodeCodes.has(code))) return true;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && transientMessages.some((m) => message.includes(m));
}

/** Wrap transient errors; every other error (constraint violations, syntax) passes through unchanged. */
export function translateError(error: unknown): unknown {
  if (error instanceof AfterwordError || !isTransientError(error)) return error;
  return new AfterwordError('store_unavailable', `PostgreSQL unavailable: ${(error as Error).message}`, {
    retryable: true,
    cause: error,
  });
}

/** A unique violation: a concurrent insert of the same key (migrations, schema creation). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23505';
}
