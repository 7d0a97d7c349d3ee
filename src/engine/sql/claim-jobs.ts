import { placeholders, readInt, type TransactionOptions } from '../../store/ports.js';
import { insertEventsSelecting } from '../../telemetry/event-store.js';
import type { Tx } from '../../telemetry/outbox.js';
import { engineTopics } from '../engine-topics.js';
import type { Job } from '../types.js';
import { rowToJob } from './row-to-job.js';

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

/** A claimed job, and whether it is known never to have run a step (so its checkpoints need no read). */
export interface ClaimedJob {
  job: Job;
  neverStarted: boolean;
}

/**
 * Take up to `limit` runnable jobs: queued or retrying and due, or processing with an expired
 * lease (its worker died). Each claim counts an attempt, records it, and emits the job's
 * `engine.job.started` event. Returned in enqueue order.
 */
export async function claimJobs(tx: Tx, request: ClaimRequest, store: ClaimStore): Promise<ClaimedJob[]> {
  if (request.workflows.length === 0 || request.limit <= 0) return [];
  return store.driver.capabilities.writableCtes
    ? claimInOneStatement(tx, request)
    : claimStepByStep(tx, request, store.fragments.skipLockedClause);
}

/** What the claim reads of the store: whether one statement can do it, and the lock clause otherwise. */
export interface ClaimStore {
  driver: { capabilities: { writableCtes: boolean } };
  fragments: { skipLockedClause: string };
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

function startedPayload(job: Job, workerId: string) {
  return { jobId: job.jobId, workflow: job.workflow, attempt: job.attempts, workerId };
}

/** Without writable CTEs (SQLite, where statements are in-process calls): one UPDATE, then two statements per job. */
async function claimStepByStep(tx: Tx, request: ClaimRequest, skipLocked: string): Promise<ClaimedJob[]> {
  const only = request.jobId ? 'AND id = ?' : '';
  const rows = await tx.query(
    `UPDATE jobs SET status = 'processing', lease_owner = ?, lease_token = ?, lease_expires_at = ?,
        attempts = attempts + 1, started_at = COALESCE(started_at, ?), updated_at = ?
     WHERE id IN (
       SELECT id FROM jobs
       WHERE workflow IN (${placeholders(request.workflows.length)}) ${only}
         AND ((status IN ('queued', 'retrying') AND run_at <= ?) OR (status = 'processing' AND lease_expires_at <= ?))
       ORDER BY priority DESC, run_at, seq
       LIMIT ?${skipLocked})
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
    await engineTopics.emit(tx, 'engine.job.started', startedPayload(job, request.workerId));
  }
  // Not known without another read: the worker loads the checkpoints (cheap in-process).
  return jobs.map((job) => ({ job, neverStarted: false }));
}

/**
 * Over a network (PostgreSQL): the same claim as one statement (data-modifying CTEs), so a batch
 * claim costs one round trip instead of 1 + 2 per job: pick and lock the jobs (skipping rows
 * other workers hold), lease them, close the attempts of expired leases, open the new attempts.
 * All parts see the same snapshot, so `ended` cannot touch the rows `opened` inserts.
 * `never_started` is read before the update sets `started_at`. Only jobs taken from an expired
 * lease have an attempt left open (failures and releases close or remove theirs), so only those
 * are looked up.
 *
 * Due jobs and expired leases are picked by two separate scans, each walking its own partial
 * index in order and stopping after `limit` rows: one scan with an OR between them would sort
 * the whole backlog on every claim. The due scan reads `jobs_claim_order` (migration 0003), and
 * `claimTransactionOptions` keeps the planner on it whatever the table's statistics say. Expired
 * leases go first (their jobs have waited longest); a due row locked but not taken is free again
 * at commit. The same statement writes the jobs' `engine.job.started` events, and takes the
 * outbox's commit-order lock itself (`ordered`, which every event row is joined with, so it is
 * taken before the first event id is drawn): event ids follow commit order at no extra round trip.
 */
async function claimInOneStatement(tx: Tx, request: ClaimRequest): Promise<ClaimedJob[]> {
  const lock = tx.eventOrderLock();
  const ordered = lock ? `ordered AS (SELECT ${lock.sql} AS locked),\n     ` : '';
  const startedEvents = insertEventsSelecting(
    `SELECT 'engine.job.started', NULL, id, ?,
       jsonb_build_object('jobId', id, 'workflow', workflow, 'attempt', attempts, 'workerId', ?::text), ?
     FROM ${lock ? 'claimed CROSS JOIN ordered' : 'claimed'} ORDER BY seq`,
  );
  const only = request.jobId ? 'AND id = ?' : '';
  const filter = `workflow IN (${placeholders(request.workflows.length)}) ${only}`;
  const filterParams = [...request.workflows, ...(request.jobId ? [request.jobId] : [])];
  const rows = await tx.query(
    `WITH ${ordered}expired AS (
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
     started AS (${startedEvents})
     SELECT claimed.*, started.event_id FROM claimed JOIN started ON started.job_id = claimed.id`,
    [
      ...(lock?.params ?? []),
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
  const claimed = rows
    .map((r) => ({ job: rowToJob(r), neverStarted: r.never_started === true, eventId: readInt(r.event_id) }))
    .sort((a, b) => a.job.seq - b.job.seq);
  tx.recordWritten(
    claimed.map(({ job, eventId }) => ({
      id: eventId,
      topic: 'engine.job.started',
      sessionId: null,
      jobId: job.jobId,
      origin: tx.origin,
      payload: startedPayload(job, request.workerId),
      createdAt: tx.now,
    })),
  );
  return claimed.map(({ job, neverStarted }) => ({ job, neverStarted }));
}
