import { AfterwordError } from '../errors.js';
import type { SqlDialect } from '../store/dialect.js';
import {
  placeholders,
  readInt,
  readJson,
  readOptionalInt,
  type Row,
  type SqlExecutor,
  type TransactionOptions,
} from '../store/ports.js';
import type { DeferredWrite, Tx } from '../store/unit-of-work.js';
import type { AttemptRecord, EnqueueRequest, Job, JobError, JobStatus, StepRecord } from './types.js';

/** SQL for the engine's tables. Every write to a claimed job is fenced by its lease token. */

export function rowToJob<P = Record<string, unknown>>(row: Row): Job<P> {
  return {
    jobId: String(row.id),
    seq: readInt(row.seq),
    workflow: String(row.workflow),
    payload: readJson<P>(row.payload, {} as P),
    status: row.status as JobStatus,
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    concurrencyKey: (row.concurrency_key as string | null) ?? null,
    priority: readInt(row.priority),
    runAt: readInt(row.run_at),
    attempts: readInt(row.attempts),
    maxAttempts: readInt(row.max_attempts),
    slaMs: readOptionalInt(row.sla_ms),
    leaseOwner: (row.lease_owner as string | null) ?? null,
    leaseToken: (row.lease_token as string | null) ?? null,
    leaseExpiresAt: readOptionalInt(row.lease_expires_at),
    enqueuedAt: readInt(row.enqueued_at),
    startedAt: readOptionalInt(row.started_at),
    completedAt: readOptionalInt(row.completed_at),
    durationMs: readOptionalInt(row.duration_ms),
    result: readJson<Record<string, unknown> | null>(row.result, null),
    error: readJson<JobError | null>(row.error, null),
    updatedAt: readInt(row.updated_at),
  };
}

export interface InsertJobResult<P> {
  job: Job<P>;
  created: boolean;
}

export async function insertJob<P>(
  db: SqlExecutor,
  dialect: SqlDialect,
  request: EnqueueRequest<P> & { jobId: string; maxAttempts: number },
  now: number,
  /**
   * PostgreSQL, auto-committed: notify this channel in the same statement when the job is
   * created (delivered on its commit), so a standalone enqueue is one round trip.
   */
  notifyChannel?: string,
): Promise<InsertJobResult<P>> {
  const insert = `INSERT INTO jobs (id, seq, workflow, payload, status, idempotency_key, concurrency_key, priority, run_at, attempts,
       max_attempts, sla_ms, enqueued_at, updated_at)
     VALUES (?, ${dialect.nextJobSeq}, ?, ?, 'queued', ?, ?, ?, ?, 0, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING RETURNING *`;
  const notify = notifyChannel !== undefined && dialect.name === 'postgres';
  const rows = await db.query(
    notify ? `WITH inserted AS (${insert}) SELECT inserted.*, pg_notify(?, '') AS notified FROM inserted` : insert,
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
        OR (concurrency_key IS NOT NULL AND concurrency_key = ? AND status IN ('queued','retrying','processing')))
      ORDER BY seq DESC LIMIT 1`,
    [request.workflow, request.idempotencyKey ?? null, request.concurrencyKey ?? null],
  );
  if (!existing[0]) throw new AfterwordError('internal', `job ${request.jobId} conflicted but no holder was found`);
  return { job: rowToJob<P>(existing[0]), created: false };
}

export interface ClaimRequest {
  workflows: readonly string[];
  limit: number;
  workerId: string;
  leaseToken: string;
  leaseMs: number;
  now: number;
  /** Claim exactly this job (operators' `run`), if it is runnable. */
  jobId?: string;
}

/**
 * Take up to `limit` runnable jobs: queued or retrying and due, or processing with an expired
 * lease (its worker died). Each claim counts an attempt, records it, and emits the job's
 * `engine.job.started` event.
 */
export async function claimJobs(tx: Tx, dialect: SqlDialect, request: ClaimRequest): Promise<Job[]> {
  if (request.workflows.length === 0 || request.limit <= 0) return [];
  if (dialect.name === 'postgres') return claimJobsInOneStatement(tx, request);
  const only = request.jobId ? 'AND id = ?' : '';
  const rows = await tx.query(
    `UPDATE jobs SET status = 'processing', lease_owner = ?, lease_token = ?, lease_expires_at = ?,
        attempts = attempts + 1, started_at = COALESCE(started_at, ?), updated_at = ?
     WHERE id IN (
       SELECT id FROM jobs
       WHERE workflow IN (${placeholders(request.workflows.length)}) ${only}
         AND ((status IN ('queued', 'retrying') AND run_at <= ?) OR (status = 'processing' AND lease_expires_at <= ?))
       ORDER BY priority DESC, run_at, seq
       LIMIT ?${dialect.claimLockClause})
     RETURNING *`,
    [
      request.workerId,
      request.leaseToken,
      request.now + request.leaseMs,
      request.now,
      request.now,
      ...request.workflows,
      ...(request.jobId ? [request.jobId] : []),
      request.now,
      request.now,
      request.limit,
    ],
  );
  const jobs = rows.map((r) => rowToJob(r)).sort((a, b) => a.seq - b.seq);
  for (const job of jobs) {
    await tx.run(`UPDATE job_attempts SET ended_at = ?, outcome = 'lease_expired' WHERE job_id = ? AND ended_at IS NULL`, [
      request.now,
      job.jobId,
    ]);
    await tx.run('INSERT INTO job_attempts (job_id, attempt, worker_id, started_at) VALUES (?, ?, ?, ?)', [
      job.jobId,
      job.attempts,
      request.workerId,
      request.now,
    ]);
    await tx.emit('engine.job.started', startedPayload(job, request.workerId));
  }
  return jobs;
}

function startedPayload(job: Job, workerId: string) {
  return { jobId: job.jobId, workflow: job.workflow, attempt: job.attempts, workerId };
}

/**
 * Settings for the claim's transaction (PostgreSQL; sent with BEGIN, so they cost no round trip).
 *
 * - `enable_bitmapscan = off`: the claim walks the claim-order index instead. Without fresh
 *   statistics (a bulk enqueue into a new table before autovacuum's next ANALYZE, or autovacuum
 *   off) the planner expects a few dozen due rows, takes a bitmap scan and sorts the whole
 *   backlog on every claim: measured 5 ms per claim at 10,000 queued jobs, against 0.1 ms for
 *   the ordered index scan, which reads `limit` rows and stops.
 * - `synchronous_commit = off`: the claim's commit does not wait for its WAL flush. This is safe
 *   because of fencing: every write that matters (a step's effects, a completion) commits
 *   synchronously and checks the lease token, and its WAL flush makes the earlier claim durable
 *   too. If the server crashes before that, the claim is lost, the job is queued again, and the
 *   worker's fenced writes for it are refused (`lease_lost`): nothing is done twice or lost.
 *   A worker claims one batch at a time, so the claim's latency paces a busy worker.
 */
export const claimTransactionOptions: TransactionOptions = {
  localSettings: { enable_bitmapscan: 'off', synchronous_commit: 'off' },
};

/**
 * Jobs a claim found never started before (no earlier claim, so no step can have finished): the
 * worker need not read their step checkpoints. Filled by the PostgreSQL claim; a WeakSet rather
 * than a Job field so it never leaks into API output.
 */
export const neverStartedJobs = new WeakSet<Job>();

/**
 * PostgreSQL: the same claim as one statement (data-modifying CTEs), so a batch claim costs one
 * round trip instead of 1 + 2 per job: pick and lock the jobs (skipping rows other workers hold),
 * lease them, close the attempts of expired leases, open the new attempts. All parts see the
 * same snapshot, so `ended` cannot touch the rows `opened` inserts. `never_started` is read
 * before the update sets `started_at`. Only jobs taken from an expired lease have an attempt
 * left open (failures and releases close or remove theirs), so only those are looked up.
 *
 * Due jobs and expired leases are picked by two separate scans, each walking its own partial
 * index in order and stopping after `limit` rows: one scan with an OR between them would sort
 * the whole backlog on every claim. The due scan reads `jobs_claim_order` (migration 0003), and
 * `claimTransactionOptions` keeps the planner on it whatever the table's statistics say. Expired
 * leases go first (their jobs have waited longest); a due row locked but not taken is free again
 * at commit. The same statement writes the jobs' `engine.job.started` events.
 */
async function claimJobsInOneStatement(tx: Tx, request: ClaimRequest): Promise<Job[]> {
  const only = request.jobId ? 'AND id = ?' : '';
  const filter = `workflow IN (${placeholders(request.workflows.length)}) ${only}`;
  const filterParams = [...request.workflows, ...(request.jobId ? [request.jobId] : [])];
  const rows = await tx.query(
    `WITH expired AS (
       SELECT id, false AS never_started FROM jobs
       WHERE status = 'processing' AND lease_expires_at <= ? AND ${filter}
       ORDER BY lease_expires_at
       LIMIT ? FOR UPDATE SKIP LOCKED),
     due AS (
       SELECT id, started_at IS NULL AS never_started FROM jobs
       WHERE status IN ('queued', 'retrying') AND run_at <= ? AND ${filter}
       ORDER BY priority DESC, run_at, seq
       LIMIT ? FOR UPDATE SKIP LOCKED),
     picked AS (
       SELECT * FROM (SELECT * FROM expired UNION ALL SELECT * FROM due) AS both_kinds LIMIT ?),
     claimed AS (
       UPDATE jobs SET status = 'processing', lease_owner = ?, lease_token = ?, lease_expires_at = ?,
           attempts = attempts + 1, started_at = COALESCE(started_at, ?), updated_at = ?
       FROM picked WHERE jobs.id = picked.id
       RETURNING jobs.*, picked.never_started),
     ended AS (
       UPDATE job_attempts SET ended_at = ?, outcome = 'lease_expired'
       FROM expired WHERE job_attempts.job_id = expired.id AND job_attempts.ended_at IS NULL),
     opened AS (
       INSERT INTO job_attempts (job_id, attempt, worker_id, started_at) SELECT id, attempts, ?, ? FROM claimed),
     started AS (
       INSERT INTO events (topic, session_id, job_id, origin, payload, created_at)
       SELECT 'engine.job.started', NULL, id, ?,
         jsonb_build_object('jobId', id, 'workflow', workflow, 'attempt', attempts, 'workerId', ?::text), ?
       FROM claimed ORDER BY seq
       RETURNING id AS event_id, job_id)
     SELECT claimed.*, started.event_id FROM claimed JOIN started ON started.job_id = claimed.id`,
    [
      request.now,
      ...filterParams,
      request.limit,
      request.now,
      ...filterParams,
      request.limit,
      request.limit,
      request.workerId,
      request.leaseToken,
      request.now + request.leaseMs,
      request.now,
      request.now,
      request.now,
      request.workerId,
      request.now,
      tx.origin,
      request.workerId,
      request.now,
    ],
  );
  const jobs = rows.map((r) => {
    const job = rowToJob(r);
    if (r.never_started === true) neverStartedJobs.add(job);
    return job;
  });
  jobs.sort((a, b) => a.seq - b.seq);
  const eventIds = new Map(rows.map((r) => [String(r.id), readInt(r.event_id)]));
  tx.recordWritten(
    jobs.map((job) => ({
      id: eventIds.get(job.jobId) as number,
      topic: 'engine.job.started',
      sessionId: null,
      jobId: job.jobId,
      origin: tx.origin,
      payload: startedPayload(job, request.workerId),
      createdAt: tx.now,
    })),
  );
  return jobs;
}

/** Extend the leases a worker still holds; returns the ids it still holds (others were lost). */
export async function extendLeases(
  db: SqlExecutor,
  held: ReadonlyArray<{ jobId: string; leaseToken: string }>,
  workerId: string,
  expiresAt: number,
): Promise<Set<string>> {
  // One auto-committed statement per job, never one statement over all of them: a multi-row
  // UPDATE locks its rows in no particular order while group-commit transactions hold some of the
  // same rows, and on PostgreSQL that deadlocks (seen in the chaos test). A single-row statement
  // holding no other lock can only wait, never deadlock. A few rows every `heartbeatMs` is cheap.
  const still = new Set<string>();
  for (const { jobId, leaseToken } of held) {
    const result = await db.run(
      `UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND lease_token = ? AND lease_owner = ? AND status = 'processing'`,
      [expiresAt, jobId, leaseToken, workerId],
    );
    if (result.changes === 1) still.add(jobId);
  }
  return still;
}

/** Fail with `lease_lost` unless this worker still holds the job: every fenced write starts here. */
export async function assertLease(db: SqlExecutor, jobId: string, leaseToken: string, now: number): Promise<void> {
  const result = await db.run(`UPDATE jobs SET updated_at = ? WHERE id = ? AND lease_token = ? AND status = 'processing'`, [
    now,
    jobId,
    leaseToken,
  ]);
  if (result.changes !== 1) throw new AfterwordError('lease_lost', `job ${jobId}: lease lost; this worker may not write it`);
}

export async function insertStep(db: SqlExecutor, jobId: string, record: StepRecord): Promise<boolean> {
  const result = await db.run(
    `INSERT INTO job_steps (job_id, step, step_index, attempt, output, started_at, completed_at, duration_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [
      jobId,
      record.step,
      record.stepIndex,
      record.attempt,
      JSON.stringify(record.output ?? null),
      record.startedAt,
      record.completedAt,
      record.durationMs,
    ],
  );
  return result.changes === 1;
}

export async function loadSteps(db: SqlExecutor, jobId: string): Promise<StepRecord[]> {
  const rows = await db.query('SELECT * FROM job_steps WHERE job_id = ? ORDER BY step_index', [jobId]);
  return rows.map((r) => ({
    step: String(r.step),
    stepIndex: readInt(r.step_index),
    attempt: readInt(r.attempt),
    output: readJson(r.output, null),
    startedAt: readInt(r.started_at),
    completedAt: readInt(r.completed_at),
    durationMs: readInt(r.duration_ms),
  }));
}

export async function loadAttempts(db: SqlExecutor, jobId: string): Promise<AttemptRecord[]> {
  const rows = await db.query('SELECT * FROM job_attempts WHERE job_id = ? ORDER BY started_at, attempt', [jobId]);
  return rows.map((r) => ({
    attempt: readInt(r.attempt),
    workerId: String(r.worker_id),
    startedAt: readInt(r.started_at),
    endedAt: readOptionalInt(r.ended_at),
    outcome: (r.outcome as string | null) ?? null,
    error: readJson<JobError | null>(r.error, null),
  }));
}

async function endAttempt(db: SqlExecutor, job: Job, now: number, outcome: string, error: JobError | null): Promise<void> {
  await db.run(
    `UPDATE job_attempts SET ended_at = ?, outcome = ?, error = ? WHERE job_id = ? AND attempt = ? AND ended_at IS NULL`,
    [now, outcome, error ? JSON.stringify(error) : null, job.jobId, job.attempts],
  );
}

const clearLease = 'lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL';

/** One job's completion, as the set-based PostgreSQL write takes it. */
interface Completion {
  id: string;
  token: string;
  result: Record<string, unknown>;
  at: number;
  step?: string;
  step_index?: number;
  attempt?: number;
  output?: unknown;
  step_started_at?: number;
  step_duration_ms?: number;
}

/**
 * PostgreSQL: every completion of a group-committed batch in ONE statement: the fenced
 * completions, the ends of their attempt records and their last step checkpoints. The rows
 * travel as one JSON document (no per-row parameters to number). A completion whose lease was
 * lost matches no row; then the whole statement is refused with `lease_lost` and the runner
 * settles each operation on its own to find which.
 */
const completionsInOneStatement: DeferredWrite<Completion> = {
  name: 'job-completions',
  async flush(executor, items) {
    const rows = await executor.query<{ id: string }>(
      `WITH todo AS (
         SELECT * FROM jsonb_to_recordset(?::jsonb) AS t(id text, token text, result jsonb, at bigint, step text,
           step_index integer, attempt integer, output jsonb, step_started_at bigint, step_duration_ms bigint)),
       done AS (
         UPDATE jobs SET status = 'completed', completed_at = todo.at, duration_ms = todo.at - COALESCE(jobs.started_at, jobs.enqueued_at),
             result = todo.result, error = NULL, ${clearLease}, updated_at = todo.at
         FROM todo WHERE jobs.id = todo.id AND jobs.lease_token = todo.token AND jobs.status = 'processing'
         RETURNING jobs.id, jobs.attempts, todo.at),
       ended AS (
         UPDATE job_attempts SET ended_at = done.at, outcome = 'completed'
         FROM done WHERE job_attempts.job_id = done.id AND job_attempts.attempt = done.attempts AND job_attempts.ended_at IS NULL),
       steps AS (
         INSERT INTO job_steps (job_id, step, step_index, attempt, output, started_at, completed_at, duration_ms)
         SELECT todo.id, todo.step, todo.step_index, todo.attempt, COALESCE(todo.output, 'null'::jsonb), todo.step_started_at,
           todo.at, todo.step_duration_ms
         FROM todo JOIN done ON done.id = todo.id WHERE todo.step IS NOT NULL
         ON CONFLICT DO NOTHING)
       SELECT id FROM done`,
      [JSON.stringify(items)],
    );
    if (rows.length === items.length) return;
    const completed = new Set(rows.map((r) => r.id));
    const lost = items.find((item) => !completed.has(item.id));
    throw new AfterwordError('lease_lost', `job ${lost?.id}: lease lost before completion`);
  },
};

/**
 * Complete a job this worker holds, with its last step's checkpoint if given, fenced by the
 * lease token. On SQLite it is written at once. On PostgreSQL it is deferred to one set-based
 * statement per transaction (`completionsInOneStatement`); the completed job is computed from
 * the claimed one, which is exact because nothing else may write a job whose lease is held, and
 * a lost lease fails the commit (`lease_lost`), rolling back everything the caller wrote with it.
 */
export async function completeJob(
  tx: Tx,
  job: Job,
  leaseToken: string,
  result: Record<string, unknown>,
  dialect: SqlDialect,
  lastStep?: StepRecord,
): Promise<Job> {
  const now = tx.now;
  if (dialect.name === 'postgres') {
    tx.defer(completionsInOneStatement, {
      id: job.jobId,
      token: leaseToken,
      result,
      at: now,
      ...(lastStep
        ? {
            step: lastStep.step,
            step_index: lastStep.stepIndex,
            attempt: lastStep.attempt,
            output: lastStep.output ?? null,
            step_started_at: lastStep.startedAt,
            step_duration_ms: lastStep.durationMs,
          }
        : {}),
    });
    return {
      ...job,
      status: 'completed',
      completedAt: now,
      durationMs: now - (job.startedAt ?? job.enqueuedAt),
      result,
      error: null,
      leaseOwner: null,
      leaseToken: null,
      leaseExpiresAt: null,
      updatedAt: now,
    };
  }
  const rows = await tx.query(
    `UPDATE jobs SET status = 'completed', completed_at = ?, duration_ms = ? - COALESCE(started_at, enqueued_at),
        result = ?, error = NULL, ${clearLease}, updated_at = ?
     WHERE id = ? AND lease_token = ? AND status = 'processing' RETURNING *`,
    [now, now, JSON.stringify(result), now, job.jobId, leaseToken],
  );
  if (!rows[0]) throw new AfterwordError('lease_lost', `job ${job.jobId}: lease lost before completion`);
  const completed = rowToJob(rows[0]);
  await endAttempt(tx, completed, now, 'completed', null);
  if (lastStep) await insertStep(tx, job.jobId, lastStep);
  return completed;
}

/** Record a failed attempt: `retryAt` null means the job failed for good. */
export async function failJob(
  db: SqlExecutor,
  jobId: string,
  leaseToken: string,
  error: JobError,
  retryAt: number | null,
  now: number,
): Promise<Job> {
  const rows = await db.query(
    retryAt === null
      ? `UPDATE jobs SET status = 'failed', completed_at = ?, duration_ms = ? - COALESCE(started_at, enqueued_at), error = ?,
           ${clearLease}, updated_at = ?
         WHERE id = ? AND lease_token = ? AND status = 'processing' RETURNING *`
      : `UPDATE jobs SET status = 'retrying', run_at = ?, error = ?, ${clearLease}, updated_at = ?
         WHERE id = ? AND lease_token = ? AND status = 'processing' RETURNING *`,
    retryAt === null
      ? [now, now, JSON.stringify(error), now, jobId, leaseToken]
      : [retryAt, JSON.stringify(error), now, jobId, leaseToken],
  );
  if (!rows[0]) throw new AfterwordError('lease_lost', `job ${jobId}: lease lost before recording its failure`);
  const job = rowToJob(rows[0]);
  await endAttempt(db, job, now, retryAt === null ? 'failed' : 'retrying', error);
  return job;
}

/** Hand a job back on shutdown without counting the interrupted attempt. */
export async function releaseJob(db: SqlExecutor, jobId: string, leaseToken: string, now: number): Promise<boolean> {
  const rows = await db.query(
    `UPDATE jobs SET status = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'queued' END, attempts = attempts - 1, run_at = ?,
        ${clearLease}, updated_at = ?
     WHERE id = ? AND lease_token = ? AND status = 'processing' RETURNING *`,
    [now, now, jobId, leaseToken],
  );
  if (!rows[0]) return false;
  await db.run(`DELETE FROM job_attempts WHERE job_id = ? AND ended_at IS NULL`, [jobId]);
  return true;
}

export async function cancelJob(db: SqlExecutor, jobId: string, now: number): Promise<Job | null> {
  const rows = await db.query(
    `UPDATE jobs SET status = 'cancelled', completed_at = ?, duration_ms = ? - COALESCE(started_at, enqueued_at),
        error = ?, ${clearLease}, updated_at = ?
     WHERE id = ? AND status IN ('queued', 'retrying', 'processing') RETURNING *`,
    [now, now, JSON.stringify({ message: 'cancelled by operator', code: 'job_cancelled' }), now, jobId],
  );
  if (!rows[0]) return null;
  const job = rowToJob(rows[0]);
  await db.run(`UPDATE job_attempts SET ended_at = ?, outcome = 'cancelled' WHERE job_id = ? AND ended_at IS NULL`, [now, jobId]);
  return job;
}

/** An operator's explicit retry of a terminal job: it gets `extraAttempts` more attempts. */
export async function requeueJob(db: SqlExecutor, jobId: string, extraAttempts: number, now: number): Promise<Job | null> {
  const rows = await db.query(
    `UPDATE jobs SET status = 'queued', run_at = ?, max_attempts = attempts + ?, completed_at = NULL, duration_ms = NULL,
        sla_alerted = 0, updated_at = ?
     WHERE id = ? AND status IN ('failed', 'cancelled') RETURNING *`,
    [now, extraAttempts, now, jobId],
  );
  return rows[0] ? rowToJob(rows[0]) : null;
}

export async function getJob(db: SqlExecutor, jobId: string): Promise<Job | null> {
  const rows = await db.query('SELECT * FROM jobs WHERE id = ?', [jobId]);
  return rows[0] ? rowToJob(rows[0]) : null;
}

export interface JobQuery {
  status?: JobStatus | undefined;
  workflow?: string | undefined;
  concurrencyKey?: string | undefined;
  /** Cursor pagination: jobs with seq below this (newest first). */
  beforeSeq?: number | undefined;
  limit: number;
}

export async function listJobs(db: SqlExecutor, query: JobQuery): Promise<Job[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.status) where.push('status = ?'), params.push(query.status);
  if (query.workflow) where.push('workflow = ?'), params.push(query.workflow);
  if (query.concurrencyKey) where.push('concurrency_key = ?'), params.push(query.concurrencyKey);
  if (query.beforeSeq !== undefined) where.push('seq < ?'), params.push(query.beforeSeq);
  const rows = await db.query(
    `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`,
    [...params, query.limit],
  );
  return rows.map((r) => rowToJob(r));
}

export async function countJobsByStatus(db: SqlExecutor, workflow?: string): Promise<Record<JobStatus, number>> {
  const rows = await db.query<{ status: JobStatus; n: number }>(
    `SELECT status, COUNT(*) AS n FROM jobs ${workflow ? 'WHERE workflow = ?' : ''} GROUP BY status`,
    workflow ? [workflow] : [],
  );
  const counts: Record<JobStatus, number> = { queued: 0, retrying: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const row of rows) counts[row.status] = readInt(row.n);
  return counts;
}

/** The earliest `run_at` among waiting jobs, so an idle worker can sleep until then. */
export async function nextRunAt(db: SqlExecutor, workflows: readonly string[]): Promise<number | null> {
  if (workflows.length === 0) return null;
  const rows = await db.query<{ at: number | null }>(
    `SELECT MIN(run_at) AS at FROM jobs WHERE status IN ('queued', 'retrying') AND workflow IN (${placeholders(workflows.length)})`,
    workflows,
  );
  return readOptionalInt(rows[0]?.at);
}

/** Unfinished jobs past their SLA that have not been reported yet; marks them reported. */
export async function takeLateJobs(db: SqlExecutor, now: number): Promise<Job[]> {
  const rows = await db.query(
    `UPDATE jobs SET sla_alerted = 1
     WHERE status IN ('queued', 'retrying', 'processing') AND sla_ms IS NOT NULL AND sla_alerted = 0
       AND ? - COALESCE(started_at, enqueued_at) > sla_ms
     RETURNING *`,
    [now],
  );
  return rows.map((r) => rowToJob(r));
}

/** Make every processing lease claimable now (single-process stores, after taking the work lock). */
export async function expireForeignLeases(db: SqlExecutor, workerId: string, now: number): Promise<number> {
  const result = await db.run(
    `UPDATE jobs SET lease_expires_at = ? WHERE status = 'processing' AND (lease_owner IS NULL OR lease_owner <> ?)`,
    [now, workerId],
  );
  return result.changes;
}

export async function markSlaAlerted(db: SqlExecutor, jobId: string): Promise<void> {
  await db.run('UPDATE jobs SET sla_alerted = 1 WHERE id = ?', [jobId]);
}
