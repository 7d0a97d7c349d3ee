import { AfterwordError } from '../../errors.js';
import type { SqlExecutor, SqlFragments } from '../../store/ports.js';
import type { EnqueueRequest } from '../types.js';
import { rowToJob, unfinishedStatuses } from './row-to-job.js';
import type { Job } from '../types.js';

export interface InsertJobResult<P> {
  job: Job<P>;
  created: boolean;
}

/**
 * Insert a queued job, or return the job that already holds its idempotency key (or, for its
 * concurrency key, the unfinished job holding it). `notifyChannel`: notify it in the same
 * statement when the job is created (delivered on its commit), where the store can
 * (`fragments.notifyExpression` and writable CTEs), so an auto-committed enqueue is one round trip.
 */
export async function insertJob<P>(
  db: SqlExecutor,
  fragments: SqlFragments,
  request: EnqueueRequest<P> & { jobId: string; maxAttempts: number },
  now: number,
  notifyChannel?: string,
): Promise<InsertJobResult<P>> {
  const insert = `INSERT INTO jobs (id, seq, workflow, payload, status, idempotency_key, concurrency_key, priority, run_at, attempts,
       max_attempts, sla_ms, enqueued_at, updated_at)
     VALUES (?, ${fragments.nextValue('jobs', 'seq')}, ?, ?, 'queued', ?, ?, ?, ?, 0, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING RETURNING *`;
  const notify = notifyChannel !== undefined ? fragments.notifyExpression : null;
  const rows = await db.query(
    notify ? `WITH inserted AS (${insert}) SELECT inserted.*, ${notify} AS notified FROM inserted` : insert,
    [
      request.jobId,
      request.workflow,
      JSON.stringify(request.payload),
      request.idempotencyKey ?? null,
      request.concurrencyKey ?? null,
      request.priority ?? 0,
      request.runAt ?? now,
      request.maxAttempts,
      request.slaMs ?? null,
      now,
      now,
      ...(notify ? [notifyChannel] : []),
    ],
  );
  if (rows[0]) return { job: rowToJob<P>(rows[0]), created: true };
  // A uniqueness rule said no: return the job that already holds the key.
  const existing = await db.query(
    `SELECT * FROM jobs WHERE workflow = ? AND (
        (idempotency_key IS NOT NULL AND idempotency_key = ?)
        OR (concurrency_key IS NOT NULL AND concurrency_key = ? AND status IN ${unfinishedStatuses}))
      ORDER BY seq DESC LIMIT 1`,
    [request.workflow, request.idempotencyKey ?? null, request.concurrencyKey ?? null],
  );
  if (!existing[0]) throw new AfterwordError('internal', `job ${request.jobId} conflicted but no holder was found`);
  return { job: rowToJob<P>(existing[0]), created: false };
}
