import pg from 'pg';
import { AfterwordError } from '../../errors.js';
import type { Row, SqlExecutor } from '../ports.js';
import { translateError } from './postgres-errors.js';

/**
 * How statements reach PostgreSQL: portable `?` placeholders rewritten to `$n`, parameters bound
 * as the port promises, frequent statements prepared once per connection, and values read back
 * with this pool's type parsers.
 */

/**
 * Rewrite portable `?` placeholders to PostgreSQL's `$1, $2, ...`. Question marks inside string
 * literals, quoted identifiers, line comments and dollar-quoted bodies are left alone. Results
 * are cached: repositories use a bounded set of statement texts, so the cache stays small.
 */
const cache = new Map<string, string>();
const maxCached = 2_000;

export function rewritePlaceholders(sql: string): string {
  const cached = cache.get(sql);
  if (cached !== undefined) return cached;
  const rewritten = rewrite(sql);
  if (cache.size >= maxCached) cache.clear();
  cache.set(sql, rewritten);
  return rewritten;
}

function rewrite(sql: string): string {
  if (!sql.includes('?')) return sql;
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end === -1 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '$' && sql[i + 1] === '$') {
      const end = sql.indexOf('$$', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '?') {
      out += `$${++n}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * Type parsers for this pool only (not pg's global registry): BIGINT (epoch milliseconds, counts)
 * and NUMERIC (SUM of BIGINT) arrive as numbers, as the port promises. JSON/JSONB are parsed by
 * pg's defaults. Our integers stay far below 2^53.
 */
const INT8 = 20;
const NUMERIC = 1700;
export const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => (value === null ? null : Number(value));
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** Like SQLite's driver: booleans bind as 0/1 (the port's rule), undefined as NULL. */
function bindable(params: readonly unknown[]): unknown[] {
  return params.map((p) => (p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/** The few pg client methods an executor needs (a pool or a checked-out client). */
export interface Queryable {
  query(config: pg.QueryConfig): Promise<pg.QueryResult>;
}

/**
 * Statements with parameters run as named prepared statements (parsed and planned once per
 * connection, as graphile-worker does): the engine issues the same few statements thousands of
 * times. Parameterless texts (BEGIN, SAVEPOINT op_123, DDL) run unnamed. If a prepared `SELECT *`
 * meets a changed table (a migration ran while this process was up), PostgreSQL refuses with
 * "cached plan must not change result type": we then stop preparing and report a retryable error.
 */
const statementNames = new Map<string, string>();
const maxPrepared = 1_000;
let preparing = true;

function statementName(text: string): string | undefined {
  if (!preparing) return undefined;
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < maxPrepared) {
    name = `afterword_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

export async function execute(target: Queryable, sql: string, params: readonly unknown[]): Promise<pg.QueryResult> {
  const text = rewritePlaceholders(sql);
  const name = params.length > 0 ? statementName(text) : undefined;
  try {
    const result = await target.query(name ? { name, text, values: bindable(params) } : { text, values: bindable(params) });
    // Several parameterless statements in one message (`NOTIFY ...; COMMIT`) answer with one result each.
    return Array.isArray(result) ? (result.at(-1) as pg.QueryResult) : result;
  } catch (error) {
    if ((error as { code?: string }).code === '0A000' && /cached plan/.test((error as Error).message)) {
      preparing = false;
      throw new AfterwordError('store_unavailable', `schema changed under a prepared statement: ${(error as Error).message}`, {
        retryable: true,
        cause: error,
      });
    }
    throw translateError(error);
  }
}

export function executorFor(target: Queryable): SqlExecutor {
  return {
    query: async <R extends Row>(sql: string, params: readonly unknown[] = []) =>
      (await execute(target, sql, params)).rows as R[],
    run: async (sql: string, params: readonly unknown[] = []) => ({
      changes: (await execute(target, sql, params)).rowCount ?? 0,
    }),
  };
}
