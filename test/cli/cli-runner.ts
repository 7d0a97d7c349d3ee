import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { packageRoot } from '../../src/paths.js';

/** The built CLI, run as a user runs it. */
export const cli = join(packageRoot, 'build', 'src', 'cli', 'main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A temporary directory removed after the file's tests, and `run(...args)`: the real `afterword`
 * binary on a data directory inside it, logs silenced, with any extra environment given.
 */
export function cliInTempDir(prefix: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]): CliRun => {
    const result = spawnSync(process.execPath, [cli, '--data', join(dir, 'data'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, AFTERWORD_LOG_LEVEL: 'silent', ...env },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  return { dir, run };
}
