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

/**
 * What an adapter can do, as flags (Kysely's `supportsReturning` style). Code above the store
 * chooses a statement by these flags, never by the dialect's name.
 */
export interface DriverCapabilities {
  /** Several processes may work on this store at once (PostgreSQL); SQLite allows one. */
  readonly multipleProcesses: boolean;
  /** Several transactions can be open at once, each on its own connection (a pool). */
  readonly multipleConnections: boolean;
  /** Statements are in-process calls, with no network round trip to save (SQLite). */
  readonly inProcess: boolean;
  /** The driver can push notifications between processes (LISTEN/NOTIFY). */
  readonly listenNotify: boolean;
  /** INSERT/UPDATE/DELETE may appear inside WITH, so a multi-table write is one statement. */
  readonly writableCtes: boolean;
  /** The full-text search engine the schema uses for lore (FTS5 table or tsvector column). */
  readonly fullTextSearch: 'fts5' | 'tsvector';
}

/**
 * The few SQL fragments that differ between dialects, given to the statements that need them.
 * Everything else is portable SQL; keeping the differences here (one object per adapter, in
 * sqlite/sqlite-dialect.ts and postgres/postgres-dialect.ts) means a reader who knows one
 * adapter knows both.
 */
export interface SqlFragments {
  /** Expression giving the next value of an increasing integer `column` of `table`, inside an INSERT. */
  nextValue(table: string, column: string): string;
  /** Appended to a SELECT that picks rows to claim: row locks others hold are skipped where supported. */
  readonly skipLockedClause: string;
  /**
   * Appended to a SELECT of rows the transaction is about to change: locks them until it ends,
   * so concurrent writers of the same row take turns. Empty where transactions are already
   * serialised (SQLite's single connection).
   */
  readonly rowLockClause: string;
  /** Expression reading the JSON member `key` of the JSON document column `column`. */
  jsonMember(column: string, key: string): string;
  /**
   * Expression that notifies the channel given as its one `?` parameter when evaluated (delivered
   * on commit), or null where the store has no notifications.
   */
  readonly notifyExpression: string | null;
  /**
   * Expression taking a lock held until the transaction ends, named by its one `?` parameter
   * (`SELECT <it>` as a statement, or inside a larger one), or null where every transaction is
   * already serialised (SQLite's single connection).
   */
  readonly transactionLock: string | null;
}

export interface TransactionOptions {
  /**
   * PostgreSQL: settings for this transaction only (`SET LOCAL`), sent with BEGIN in the same
   * round trip. Drivers without such settings ignore them.
   */
  readonly localSettings?: Readonly<Record<string, string>>;
}

export interface SqlDriver extends SqlExecutor {
  /** The adapter's name: its migrations folder and messages. Never branch on it; read `capabilities`. */
  readonly dialect: Dialect;
  readonly capabilities: DriverCapabilities;
  readonly fragments: SqlFragments;
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
  /**
   * Claim this store for this process's workers: refused with `store_locked` where only one
   * process may work on the store and another does (SQLite); a no-op where many may (PostgreSQL).
   * Returns the release.
   */
  acquireWorkLock(): () => void;
  /** Whether `error` is a unique-constraint violation (a concurrent insert of the same key). */
  isUniqueViolation(error: unknown): boolean;
  /** Subscribe to a notification channel, where `capabilities.listenNotify`. Returns an unsubscribe. */
  listen?(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** Notify listeners of a channel (inside a transaction: delivered on commit). */
  notify?(executor: SqlExecutor, channel: string, payload: string): Promise<void>;
  /**
   * File-backed stores: the files and directory whose loose modes this open tightened (to 0600
   * and 0700), for the caller to log. Absent or empty elsewhere.
   */
  readonly permissionFixes?: ReadonlyArray<{ path: string; was: string; now: string }>;
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
