import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';

/** Something a start had to tighten: said in a log line, so an operator learns it was loose. */
export interface PermissionFix {
  path: string;
  was: string;
  now: string;
}

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

function tighten(path: string, mode: number, fixes: PermissionFix[]): void {
  const current = statSync(path).mode & 0o777;
  if ((current & ~mode) === 0) return;
  chmodSync(path, mode);
  fixes.push({ path, was: octal(current), now: octal(mode) });
}

/**
 * Transcripts are private data: the data directory is 0700 and the files in it 0600, for the
 * owner only, whatever the umask. Creates `dir` (0700) if missing and each of `create` as an empty
 * 0600 file if missing (SQLite gives its -wal and -shm files the database file's mode, so creating
 * the database 0600 first keeps them private too). Anything already there with a looser mode is
 * tightened and reported.
 */
export function keepPrivate(dir: string, options: { create?: readonly string[]; existing?: readonly string[] } = {}) {
  const fixes: PermissionFix[] = [];
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700, fixes);
  for (const file of options.create ?? []) {
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
    tighten(file, 0o600, fixes);
  }
  for (const file of options.existing ?? []) if (existsSync(file)) tighten(file, 0o600, fixes);
  return fixes;
}
