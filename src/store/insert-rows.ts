import type { Row, SqlExecutor } from './ports.js';

/**
 * Rows per INSERT statement: powers of two up to 128, largest first. Not "all rows at once":
 * every distinct row count is a distinct statement text, prepared and cached per connection on
 * PostgreSQL, so the ladder bounds the variants to eight per table, while any count still takes
 * few statements (a group commit's 32 events: one; a closure's 311 mentions: seven, not 311).
 * 128 rows of 10 columns stay far below both dialects' parameter limits.
 */
const chunkSizes = [128, 64, 32, 16, 8, 4, 2, 1] as const;

const statements = new Map<string, string>();

function insertSql(table: string, columns: readonly string[], rows: number, returning: string, conflict: string): string {
  const key = `${table}|${columns.join(',')}|${rows}|${returning}|${conflict}`;
  let sql = statements.get(key);
  if (sql === undefined) {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const values = Array.from({ length: rows }, () => tuple).join(', ');
    sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}${conflict ? ` ${conflict}` : ''}${returning ? ` RETURNING ${returning}` : ''}`;
    statements.set(key, sql);
  }
  return sql;
}

/**
 * Insert many rows with multi-row INSERTs, in order. Each row lists its values in `columns`
 * order. With `returning` (e.g. `id`), the returned rows of every statement, in statement order.
 * `conflict` is an ON CONFLICT clause (e.g. `ON CONFLICT DO NOTHING`). Table and column names
 * and clauses come from code, never from input.
 */
export async function insertRows(
  db: SqlExecutor,
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
  returning = '',
  conflict = '',
): Promise<Row[]> {
  const returned: Row[] = [];
  let at = 0;
  while (at < rows.length) {
    const size = chunkSizes.find((s) => s <= rows.length - at) as number;
    const sql = insertSql(table, columns, size, returning, conflict);
    const params = rows.slice(at, at + size).flat();
    if (returning) returned.push(...(await db.query(sql, params)));
    else await db.run(sql, params);
    at += size;
  }
  return returned;
}
