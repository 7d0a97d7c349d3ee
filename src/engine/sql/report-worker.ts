import type { SqlExecutor } from '../../store/ports.js';

export interface WorkerCounts {
  running: number;
  completed: number;
  failed: number;
}

/** A worker's heartbeat (liveness and counts), or with `stopped` its last word on shutdown. */
export async function reportWorker(
  db: SqlExecutor,
  workerId: string,
  counts: WorkerCounts,
  now: number,
  stopped = false,
): Promise<void> {
  await db.run(
    stopped
      ? 'UPDATE workers SET stopped_at = ?, running = ?, completed = ?, failed = ? WHERE worker_id = ?'
      : 'UPDATE workers SET last_seen_at = ?, running = ?, completed = ?, failed = ? WHERE worker_id = ?',
    [now, counts.running, counts.completed, counts.failed, workerId],
  );
}
