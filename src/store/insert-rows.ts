import type { SqlExecutor } from './ports.js';

/**
 * Rows per INSERT statement. A fixed ladder rather than "all rows at once": every distinct row
 * count is a distinct statement text, prepared and cached per connection on PostgreSQL, so the
 * ladder bounds the variants to three per table while 311 rows still take 5 statements, not 311.
 * 100 rows of 10 columns stay far below both dialects' parameter limits.
 */
const chunkSizes = [100, 10, 1] as const;

const statements = new Map<string, string>();

function insertSql(table: string, columns: readonly string[], rows: number, suffix: string): string {
  const key = `${table}|${columns.join(',')}|${rows}|${suffix}`;
  let sql = statements.get(key);
  if (sql === undefined) {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}${suffix}`;
    statements.set(key, sql);
  }
  return sql;
}

/**
 * Insert many rows with multi-row INSERTs, in order. Each row lists its values in `columns`
 * order. `suffix` is appended to every statement (`ON CONFLICT DO NOTHING`). Table and column
 * names come from code, never from input.
 */
export async function insertRows(
  db: SqlExecutor,
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
  suffix = '',
): Promise<void> {
  let at = 0;
  while (at < rows.length) {
    const size = chunkSizes.find((s) => s <= rows.length - at) as number;
    await db.run(insertSql(table, columns, size, suffix), rows.slice(at, at + size).flat());
    at += size;
  }
}
