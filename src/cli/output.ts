import { withIsoTimestamps } from '../clock.js';
import { AfterwordError, isAfterwordError } from '../errors.js';

/** Human output by default; `--json` prints one JSON document for scripts (instants as ISO 8601 UTC). */
export function emit(json: boolean | undefined, data: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(withIsoTimestamps(data), null, 2)}\n` : `${human()}\n`);
}

export function time(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString();
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? '-')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Exit codes: 0 success, 1 operational failure, 2 bad usage or bad input; one-line reason. */
export function exitCodeFor(error: unknown): number {
  if (isAfterwordError(error)) return error.status >= 400 && error.status < 500 ? 2 : 1;
  return 1;
}

export function reportError(error: unknown, json: boolean | undefined): number {
  const code = exitCodeFor(error);
  if (json) {
    const body = isAfterwordError(error)
      ? error.toJSON()
      : { code: 'internal', message: (error as Error)?.message ?? String(error) };
    process.stderr.write(`${JSON.stringify({ error: body })}\n`);
  } else {
    const message =
      error instanceof AfterwordError ? `${error.code}: ${error.message}` : ((error as Error)?.message ?? String(error));
    process.stderr.write(`afterword: ${message.split('\n')[0]}\n`);
  }
  return code;
}
