import { readInt, readJson, readOptionalInt, type Row } from '../../store/ports.js';
import type { Job, JobError, JobStatus } from '../types.js';

/** A `jobs` row as a Job. Every statement in this folder that returns jobs reads them through it. */
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

/** The lease columns cleared whenever a job stops running. */
export const clearLease = 'lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL';

/** Statuses of a job that has not finished (it may be claimed, cancelled, rescheduled, signalled). */
export const unfinishedStatuses = "('queued', 'retrying', 'processing')";
