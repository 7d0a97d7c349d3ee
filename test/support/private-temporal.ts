import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

/**
 * A Temporal dev server of the test's own (`temporal server start-dev --headless`), on a free
 * port with its history in a temporary SQLite file, so a fault test may stop, restart or withhold
 * it without touching the shared one at AFTERWORD_TEMPORAL_ADDRESS. The CLI is AFTERWORD_TEMPORAL_CLI,
 * else .ci/.venv/bin/temporal (what .ci/start-temporal installs), else `temporal` on the PATH.
 */
export interface PrivateTemporal {
  address: string;
  port: number;
  /** Start the server (again): the same port and history file, so workflows survive a restart. */
  start(): Promise<void>;
  /** Stop the server (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

export function temporalCli(): string | null {
  const candidates = [process.env.AFTERWORD_TEMPORAL_CLI, join(packageRoot, '.ci', '.venv', 'bin', 'temporal')];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function healthy(cli: string, address: string): boolean {
  try {
    execFileSync(cli, ['operator', 'cluster', 'health', '--address', address], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** A private server, not started yet (call `start()`): a test may first run without one. */
export async function privateTemporal(): Promise<PrivateTemporal> {
  const cli = temporalCli();
  if (!cli) throw new Error('no Temporal CLI: set AFTERWORD_TEMPORAL_CLI or run .ci/start-temporal once');
  const port = await freePort();
  const uiPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'afterword-temporal-'));
  const address = `127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    address,
    port,
    async start() {
      if (child) return;
      child = spawn(
        cli,
        [
          'server',
          'start-dev',
          '--headless',
          '--port',
          String(port),
          '--ui-port',
          String(uiPort),
          '--db-filename',
          join(dir, 'temporal.db'),
          '--log-level',
          'error',
        ],
        { stdio: 'ignore' },
      );
      const deadline = Date.now() + 60_000;
      while (!healthy(cli, address)) {
        if (child.exitCode !== null) throw new Error(`the Temporal dev server exited (${child.exitCode})`);
        if (Date.now() > deadline) throw new Error('the Temporal dev server did not become ready within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
