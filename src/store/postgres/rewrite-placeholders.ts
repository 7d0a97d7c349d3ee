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
