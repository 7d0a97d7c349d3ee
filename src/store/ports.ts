/**
 * The store port. Afterword reaches every database through this one small interface, in the
 * spirit of pg-boss's "run a statement" contract: repositories write portable SQL with `?`
 * placeholders, and each adapter (sqlite/, postgres/) translates, executes and reports its
 * differences as capability flags rather than through subclass trees.
 *
 * Portable SQL rules every repository follows:
 * - `?` placeholders only (the PostgreSQL adapter rewrites them to `$n`; never use `?` as an operator);
 * - timestamps are epoch milliseconds in BIGINT/INTEGER columns; booleans are 0/1 integers;
 * - documents are JSON text on SQLite and JSONB on PostgreSQL: pass `JSON.stringify(...)` and read
 *   back through `readJson` (SQLite returns text, PostgreSQL returns the parsed value);
 * - `INSERT ... ON CONFLICT ... DO NOTHING/UPDATE` and `RETURNING` (both dialects support them).
 */
export type Dialect = 'sqlite' | 'postgres';

export type Row = Record<string, unknown>;

export interface RunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
}

/** Executes statements; either the driver itself (auto-commit) or an open transaction. */
export interface SqlExecutor {
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  run(sql: string, params?: readonly unknown[]): Promise<RunResult>;
  /**
   * Inside a PostgreSQL transaction: send this notification with the COMMIT (same message, one
   * round trip fewer than a `pg_notify` statement). Absent elsewhere.
   */
  notifyOnCommit?(channel: string, payload: string): void;
}

export interface DriverCapabilities {
  /** Several processes may work on this store at once (PostgreSQL); SQLite allows one. */
  readonly multipleProcesses: boolean;
  /** The driver can push notifications between processes (LISTEN/NOTIFY). */
  readonly listenNotify: boolean;
  /** Row locks can be skipped while claiming (FOR UPDATE SKIP LOCKED). */
  readonly skipLocked: boolean;
}

export interface TransactionOptions {
  /**
   * PostgreSQL: settings for this transaction only (`SET LOCAL`), sent with BEGIN in the same
   * round trip. Drivers without such settings ignore them.
   */
  readonly localSettings?: Readonly<Record<string, string>>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: Dialect;
  readonly capabilities: DriverCapabilities;
  /**
   * Run `fn` in one transaction: committed when it resolves, rolled back when it throws.
   * Transactions are serialised per connection; `fn` must only use the executor it is given.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Run a multi-statement script (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Hold the migration lock while `fn` runs: an advisory lock on PostgreSQL; on SQLite a no-op,
   * because its single connection already serialises every writer.
   */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  /** Subscribe to a notification channel, where `capabilities.listenNotify`. Returns an unsubscribe. */
  listen?(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** Notify listeners of a channel (inside a transaction: delivered on commit). */
  notify?(executor: SqlExecutor, channel: string, payload: string): Promise<void>;
  /** Close connections; pending operations finish first. */
  close(): Promise<void>;
}

/** Read a JSON document column from either dialect. */
export function readJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value === 'string') return JSON.parse(value) as T;
  return value as T;
}

/** Read an integer column (PostgreSQL BIGINT arrives as a string unless parsed). */
export function readInt(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

export function readOptionalInt(value: unknown): number | null {
  return value === null || value === undefined ? null : readInt(value);
}

/** `?, ?, ?` for an IN list of `n` values. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
