import type { ValidationIssue } from '../errors.js';

/**
 * Values no store can keep the same way, found in any input the application accepts (HTTP
 * bodies, imported files, CLI arguments): strings or object keys with NUL (U+0000, which
 * PostgreSQL cannot store in text or JSONB), numbers beyond ±(2^53 − 1) (not exact in JavaScript;
 * 1e19 does not fit a BIGINT), and containers nested deeper than `maxDepth` (the value itself is
 * level 1). Refusing them everywhere keeps the two stores accepting the same inputs.
 */
export const NUL_REASON = 'must not contain NUL (\\u0000) characters';
export const NUMBER_REASON = `must be between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`;

export function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** Every unsafe value in `value` as issues under `root` (`turns[0].text`). Iterative; stops after `limit` issues. */
export function findUnsafeValues(
  value: unknown,
  root: string,
  options: { maxDepth?: number; limit?: number } = {},
): ValidationIssue[] {
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
  const limit = options.limit ?? 20;
  const issues: ValidationIssue[] = [];
  const stack: Array<[unknown, string, number]> = [[value, root, 0]];
  while (stack.length > 0 && issues.length < limit) {
    const [current, path, depth] = stack.pop() as [unknown, string, number];
    const field = path || '(body)';
    if (typeof current === 'string') {
      if (current.includes('\u0000')) issues.push({ field, reason: NUL_REASON });
    } else if (typeof current === 'number') {
      if (Math.abs(current) > Number.MAX_SAFE_INTEGER) issues.push({ field, reason: NUMBER_REASON });
    } else if (current !== null && typeof current === 'object') {
      if (depth + 1 > maxDepth) {
        issues.push({ field, reason: `nests deeper than ${maxDepth} levels of objects and arrays (limits.maxJsonDepth)` });
        continue;
      }
      if (Array.isArray(current)) {
        for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], joinPath(path, i), depth + 1]);
        continue;
      }
      const entries = Object.entries(current);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        if (key.includes('\u0000'))
          issues.push({ field: joinPath(path, key.replaceAll('\u0000', '\\u0000')), reason: NUL_REASON });
        else stack.push([child, joinPath(path, key), depth + 1]);
      }
    }
  }
  return issues;
}
