import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own: `initdb` into a temporary directory, started on a free
 * port, so a fault test may restart (or kill) it without touching the shared server other tests
 * and people use. Run as root, the server runs as the `postgres` OS user (PostgreSQL refuses
 * root); otherwise as the current user. Needs the PostgreSQL server binaries (`pg_config --bindir`).
 */
export interface PrivatePostgres {
  url: string;
  port: number;
  dataDir: string;
  /** `pg_ctl restart -m fast`: every connection is cut (57P01), the server comes back on the same port. */
  restart(): Promise<void>;
  /** Stop the server and remove its directory (or keep it, for inspecting a failure). */
  destroy(keep?: boolean): Promise<void>;
}

function binDir(): string | null {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** Why a private server cannot be started here, or null. */
export function privatePostgresUnavailable(): string | null {
  const bin = binDir();
  if (!bin || !existsSync(join(bin, 'initdb')) || !existsSync(join(bin, 'pg_ctl'))) {
    return 'the PostgreSQL server binaries (initdb, pg_ctl from `pg_config --bindir`) are not installed';
  }
  if (process.getuid?.() === 0 && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) {
    return 'running as root without runuser to start PostgreSQL as the postgres user';
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  if (!bin) throw new Error('pg_config not found');
  const asRoot = process.getuid?.() === 0;
  const dataDir = mkdtempSync(join(tmpdir(), 'afterword-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dataDir, uid, gid);
  }
  chmodSync(dataDir, 0o700);
  const as = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  const port = await freePort();
  const pgdata = join(dataDir, 'data');
  await as('initdb', ['-D', pgdata, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  const pgCtl = (...args: string[]) =>
    as('pg_ctl', ['-D', pgdata, '-l', join(dataDir, 'server.log'), '-o', options, '-w', ...args]);
  await pgCtl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    restart: async () => {
      await pgCtl('-m', 'fast', 'restart');
    },
    destroy: async (keep = false) => {
      await pgCtl('-m', 'immediate', 'stop').catch(() => undefined);
      if (keep) console.log(`# kept the private PostgreSQL data directory ${pgdata} for inspection`);
      else rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
