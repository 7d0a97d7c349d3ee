import type { Row, RunResult } from '../ports.js';

/**
 * How statements reach better-sqlite3: prepared once per text and cached (the engine issues the
 * same few statements thousands of times), parameters bound as the port promises.
 */

/**
 * The few better-sqlite3 methods we use, typed structurally so the rest of the code base has no
 * dependency on the driver's own types (Kysely does the same).
 */
export interface SqliteStatement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): void;
  readonly inTransaction: boolean;
}

/** better-sqlite3 cannot bind booleans or undefined; normalise them once here. */
function bindable(params: readonly unknown[]): unknown[] {
  return params.map((p) => (p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

export class StatementCache {
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(private readonly db: SqliteDatabase) {}

  private statement(sql: string): SqliteStatement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  query<R extends Row>(sql: string, params: readonly unknown[]): R[] {
    const stmt = this.statement(sql);
    if (stmt.reader) return stmt.all(...bindable(params)) as R[];
    stmt.run(...bindable(params));
    return [];
  }

  run(sql: string, params: readonly unknown[]): RunResult {
    const stmt = this.statement(sql);
    if (stmt.reader) {
      // A statement with RETURNING is a reader; its rows are the changed rows.
      return { changes: stmt.all(...bindable(params)).length };
    }
    return { changes: stmt.run(...bindable(params)).changes };
  }

  clear(): void {
    this.statements.clear();
  }
}
