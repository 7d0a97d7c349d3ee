import type { SqlExecutor } from '../../store/ports.js';

export interface WorkerIdentity {
  workerId: string;
  hostname: string;
  pid: number;
  concurrency: number;
}

/** Record a starting worker process (or a restarted one under the same id). */
export async function registerWorker(db: SqlExecutor, worker: WorkerIdentity, now: number): Promise<void> {
  await db.run(
    `INSERT INTO workers (worker_id, hostname, pid, concurrency, started_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (worker_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, stopped_at = NULL`,
    [worker.workerId, worker.hostname, worker.pid, worker.concurrency, now, now],
  );
}
