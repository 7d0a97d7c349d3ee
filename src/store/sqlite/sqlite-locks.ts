import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { AfterwordError } from '../../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Locks on SQLite. Migrations need none: the single connection already serialises every writer
 * (SqliteDriver.withMigrationLock is a documented no-op). Work needs one:
 *
 * SQLite admits one working process: a pid file next to the database, created exclusively.
 * A file left by a dead process (SIGKILL) is taken over; one held by a live process is refused
 * with a clear message instead of two processes fighting over leases.
 */
export class WorkLock {
  private held = false;

  constructor(private readonly path: string) {}

  acquire(): void {
    for (let tries = 0; tries < 3; tries++) {
      try {
        const fd = openSync(this.path, 'wx', 0o600);
        writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
        closeSync(fd);
        this.held = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        let holder: { pid?: number } = {};
        try {
          holder = JSON.parse(readFileSync(this.path, 'utf8')) as { pid?: number };
        } catch {
          // A half-written file: its writer died between open and write.
        }
        if (holder.pid && holder.pid !== process.pid && alive(holder.pid)) {
          throw new AfterwordError(
            'store_locked',
            `another Afterword process (pid ${holder.pid}) is already working on this SQLite store (${this.path}); ` +
              'run one process per SQLite file, or use PostgreSQL (DATABASE_URL) for several workers',
          );
        }
        rmSync(this.path, { force: true });
      }
    }
    throw new AfterwordError('store_locked', `could not take the work lock ${this.path}`);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    rmSync(this.path, { force: true });
  }
}
