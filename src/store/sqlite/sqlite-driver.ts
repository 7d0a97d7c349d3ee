import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Row, RunResult, SqlDriver, SqlExecutor } from '../ports.js';
import { keepPrivate, type PermissionFix } from '../private-files.js';
import { sqliteCapabilities, sqliteFragments } from './sqlite-dialect.js';
import { isUniqueViolation, translateError } from './sqlite-errors.js';
import { WorkLock } from './sqlite-locks.js';
import { sqliteNotifications } from './sqlite-notifications.js';
import { type SqliteDatabase, StatementCache } from './sqlite-statements.js';

type SqliteConstructor = new (filename: string, options?: { timeout?: number }) => SqliteDatabase;

const require = createRequire(import.meta.url);

/**
 * SQLite through better-sqlite3: one connection, WAL journal, synchronous=FULL so a commit that
 * returned survives power loss. better-sqlite3 is synchronous, which makes statements cheap but
 * means an async transaction body must hold the connection exclusively: transactions and
 * statements issued while one is open wait in a FIFO queue.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly capabilities = sqliteCapabilities;
  readonly fragments = sqliteFragments;
  readonly isUniqueViolation = isUniqueViolation;
  readonly listen = sqliteNotifications.listen;
  readonly notify = sqliteNotifications.notify;
  private readonly db: SqliteDatabase;
  private readonly statements: StatementCache;
  private readonly workLock: WorkLock;
  private queue: Promise<void> = Promise.resolve();
  private busy = false;
  private closed = false;

  /** Modes this open had to tighten (the caller logs them): see `keepPrivate`. */
  readonly permissionFixes: readonly PermissionFix[];

  constructor(filename: string) {
    const Database = require('better-sqlite3') as SqliteConstructor;
    const lockFile = join(dirname(filename), 'afterword.worker.lock');
    // Transcripts are private: a 0700 directory and 0600 files, created so before SQLite opens them.
    this.permissionFixes = keepPrivate(dirname(filename), {
      create: [filename],
      existing: [`${filename}-wal`, `${filename}-shm`, lockFile],
    });
    this.db = new Database(filename, { timeout: 5_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.statements = new StatementCache(this.db);
    this.workLock = new WorkLock(lockFile);
  }

  /** One working process per file: a pid file next to the database (sqlite-locks.ts). */
  acquireWorkLock(): () => void {
    this.workLock.acquire();
    return () => this.workLock.release();
  }

  /** Reported by tests and `/readyz`: the pragmas the durability promise depends on. */
  pragmas(): { journalMode: string; synchronous: number } {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
    };
  }

  private querySync<R extends Row>(sql: string, params: readonly unknown[]): R[] {
    try {
      return this.statements.query<R>(sql, params);
    } catch (error) {
      throw translateError(error);
    }
  }

  private runSync(sql: string, params: readonly unknown[]): RunResult {
    try {
      return this.statements.run(sql, params);
    } catch (error) {
      throw translateError(error);
    }
  }

  private readonly direct: SqlExecutor = {
    query: async <R extends Row>(sql: string, params: readonly unknown[] = []) => this.querySync<R>(sql, params),
    run: async (sql: string, params: readonly unknown[] = []) => this.runSync(sql, params),
  };

  /** Run `fn` once the connection is free; keeps FIFO order with transactions. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const result = this.queue.then(async () => {
      this.busy = true;
      try {
        return await fn();
      } finally {
        this.busy = false;
      }
    });
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    if (!this.busy && !this.closed) {
      try {
        return Promise.resolve(this.querySync<R>(sql, params));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.exclusive(async () => this.querySync<R>(sql, params));
  }

  run(sql: string, params: readonly unknown[] = []): Promise<RunResult> {
    if (!this.busy && !this.closed) {
      try {
        return Promise.resolve(this.runSync(sql, params));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.exclusive(async () => this.runSync(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      // IMMEDIATE takes the write lock up front so a reader never has to upgrade mid-transaction.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw translateError(error);
      }
    });
  }

  exec(script: string): Promise<void> {
    return this.exclusive(async () => this.db.exec(script));
  }

  /** A no-op: SQLite's single connection already serialises every migration. */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  async close(): Promise<void> {
    await this.exclusive(async () => undefined).catch(() => undefined);
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }
}
