import { readInt, readOptionalInt, type SqlExecutor } from '../../store/ports.js';
import type { WorkerRecord } from '../types.js';

/** Worker processes known to the store, most recently seen first (stopped ones only with `all`). */
export async function listWorkers(db: SqlExecutor, all: boolean, limit = 500): Promise<WorkerRecord[]> {
  const rows = await db.query(
    `SELECT * FROM workers ${all ? '' : 'WHERE stopped_at IS NULL'} ORDER BY last_seen_at DESC LIMIT ?`,
    [limit],
  );
  return rows.map((r) => ({
    workerId: String(r.worker_id),
    hostname: String(r.hostname),
    pid: readInt(r.pid),
    concurrency: readInt(r.concurrency),
    running: readInt(r.running),
    completed: readInt(r.completed),
    failed: readInt(r.failed),
    startedAt: readInt(r.started_at),
    lastSeenAt: readInt(r.last_seen_at),
    stoppedAt: readOptionalInt(r.stopped_at),
  }));
}
