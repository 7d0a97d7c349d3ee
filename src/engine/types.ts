import type { Store } from '../store/store.js';
import type { Tx } from '../store/unit-of-work.js';

/**
 * Job lifecycle (the state machine every write in job-store.ts enforces):
 *
 *   queued ──claim──▶ processing ──all steps done──▶ completed
 *     ▲                  │  │  └──non-retryable error or attempts exhausted──▶ failed
 *     │                  │  └──retryable error──▶ retrying ──back-off elapsed, claim──▶ processing
 *     │                  └──lease expired (worker died) ──claim by another worker──▶ processing
 *     └──drain: released without counting an attempt
 *   queued | retrying | processing ──operator cancel──▶ cancelled
 *   failed | cancelled ──operator retry (recorded)──▶ queued
 *
 * Terminal states (completed, failed, cancelled) never change except by an operator retry.
 */
export type JobStatus = 'queued' | 'retrying' | 'processing' | 'completed' | 'failed' | 'cancelled';

export const terminalStatuses: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export interface JobError {
  message: string;
  code: string;
  retryable?: boolean;
  step?: string;
}

export interface Job<P = Record<string, unknown>> {
  jobId: string;
  seq: number;
  workflow: string;
  payload: P;
  status: JobStatus;
  idempotencyKey: string | null;
  concurrencyKey: string | null;
  priority: number;
  runAt: number;
  attempts: number;
  maxAttempts: number;
  slaMs: number | null;
  leaseOwner: string | null;
  leaseToken: string | null;
  leaseExpiresAt: number | null;
  enqueuedAt: number;
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
  result: Record<string, unknown> | null;
  error: JobError | null;
  updatedAt: number;
}

export interface EnqueueRequest<P = Record<string, unknown>> {
  workflow: string;
  payload: P;
  jobId?: string;
  /** A second enqueue with the same key returns the first job instead of creating another. */
  idempotencyKey?: string;
  /** At most one unfinished job per key and workflow. */
  concurrencyKey?: string;
  priority?: number;
  /** Due later: the job is not claimed before this instant. */
  runAt?: number;
  maxAttempts?: number;
  slaMs?: number;
}

export interface StepRecord {
  step: string;
  stepIndex: number;
  attempt: number;
  output: unknown;
  startedAt: number;
  completedAt: number;
  durationMs: number;
}

export interface AttemptRecord {
  attempt: number;
  workerId: string;
  startedAt: number;
  endedAt: number | null;
  outcome: string | null;
  error: JobError | null;
}

/** What a running step sees. Reads only: writes belong in `commit`, which is fenced. */
export interface StepContext<P> {
  job: Job<P>;
  attempt: number;
  /** Outputs of the steps that already finished, by step name (loaded on resume). */
  outputs: Readonly<Record<string, unknown>>;
  signal: AbortSignal;
  store: Store;
  now: number;
}

export interface StepDefinition<P = Record<string, unknown>, O = unknown> {
  name: string;
  /** Compute the step's output. May read the store; must not write it. */
  run(ctx: StepContext<P>): Promise<O> | O;
  /**
   * Persist the step's effects in the same transaction as its checkpoint, fenced by the lease:
   * they commit together exactly once or not at all. May return the output to store instead.
   */
  commit?(tx: Tx, output: O, ctx: StepContext<P>): Promise<O | undefined> | O | undefined;
}

/** Hooks run inside the transition's transaction, so their rows and events commit with it. */
export interface WorkflowHooks<P> {
  onQueued?(tx: Tx, job: Job<P>): Promise<void>;
  onStarted?(tx: Tx, job: Job<P>): Promise<void>;
  onStepCompleted?(tx: Tx, job: Job<P>, step: StepRecord): Promise<void>;
  onCompleted?(tx: Tx, job: Job<P>, result: Record<string, unknown>): Promise<void>;
  /** `final` is false when the job will be retried. */
  onFailed?(tx: Tx, job: Job<P>, error: JobError, final: boolean, retryAt: number | null): Promise<void>;
  onCancelled?(tx: Tx, job: Job<P>): Promise<void>;
  onSlaExceeded?(tx: Tx, job: Job<P>, lateByMs: number): Promise<void>;
}

export interface WorkflowDefinition<P = Record<string, unknown>> {
  name: string;
  steps: ReadonlyArray<StepDefinition<P, any>>;
  /** Build the job's result from the step outputs once every step is done. */
  result(outputs: Readonly<Record<string, unknown>>, job: Job<P>): Record<string, unknown>;
  hooks?: WorkflowHooks<P>;
  maxAttempts?: number;
  slaMs?: number;
}
