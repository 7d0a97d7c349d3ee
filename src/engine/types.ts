import type { Store } from '../store/store.js';
import type { Tx } from '../telemetry/outbox.js';

/**
 * Job lifecycle (the state machine every statement in sql/ enforces):
 *
 *   queued ──claim──▶ processing ──all steps done──▶ completed
 *     ▲                  │  │  └──non-retryable error or attempts exhausted──▶ failed
 *     │                  │  └──retryable error──▶ retrying ──back-off elapsed, claim──▶ processing
 *     │                  └──lease expired (worker died) ──claim by another worker──▶ processing
 *     ├──drain: released without counting an attempt
 *     └──a step waits for a signal (awaiting_signal set; due at once when signalled)
 *   queued | retrying | processing ──operator cancel──▶ cancelled
 *   failed | cancelled ──operator retry (recorded)──▶ queued
 *   completed | failed | cancelled ──operator re-run from a step (recorded)──▶ queued
 *
 * Terminal states (completed, failed, cancelled) never change except by an operator's retry or re-run.
 */
export type JobStatus = 'queued' | 'retrying' | 'processing' | 'completed' | 'failed' | 'cancelled';

export const terminalStatuses: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export interface JobError {
  message: string;
  code: string;
  retryable?: boolean;
  step?: string;
  /** The code of the last error when `code` is `attempts_exhausted`. */
  cause?: string;
  /** What the error said about itself (an AfterwordError's `details`, e.g. a search drift's documents). */
  details?: Record<string, unknown>;
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

export interface JobQuery {
  status?: JobStatus | undefined;
  workflow?: string | undefined;
  concurrencyKey?: string | undefined;
  /** The job holding this idempotency key (with `workflow`: the job a service enqueued for a batch). */
  idempotencyKey?: string | undefined;
  /** Cursor pagination: jobs with seq below this (newest first). */
  beforeSeq?: number | undefined;
  limit: number;
}

/** A worker process as the store knows it (its heartbeats). */
export interface WorkerRecord {
  workerId: string;
  hostname: string;
  pid: number;
  concurrency: number;
  running: number;
  completed: number;
  failed: number;
  startedAt: number;
  lastSeenAt: number;
  stoppedAt: number | null;
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

/**
 * What a running step sees. Reads only: writes belong in `commit`, which is fenced. `Outputs`
 * are the checkpointed outputs of the steps before it, by step name (loaded on resume), typed
 * when the workflow is built with `defineSteps` (steps.ts).
 */
export interface StepContext<P, Outputs = Readonly<Record<string, unknown>>> {
  job: Job<P>;
  attempt: number;
  outputs: Outputs;
  signal: AbortSignal;
  store: Store<Tx>;
  now: number;
  /**
   * Say the step is still alive. A long step (a slow summariser call) calls it now and then: the
   * built-in engine extends the job's lease at once (throttled; `details` are not kept), the
   * Temporal engine records an activity heartbeat with `details`. Rejects with `lease_lost` (and
   * aborts `signal`) if the job was taken away.
   */
  heartbeat(details?: unknown): Promise<void>;
  /**
   * Stop here and wait for the signal `name` (`WorkflowEngine.signal`), or until `until` at the
   * latest, then run this step again. Nothing of this attempt is checkpointed for the step and
   * the wait counts no attempt. Throws; call it as `throw ctx.waitForSignal(...)` or `return`.
   */
  waitForSignal(name: string, until: number): never;
}

/**
 * One step of a workflow, as the engine runs it. `R` is what `run` computes, `O` what is stored
 * as the step's checkpoint: `commit` (if any) persists the step's effects in the same
 * transaction as the checkpoint, fenced by the lease, so they commit together exactly once or
 * not at all, and returns the output to store (often smaller than `R`: references, not copies).
 */
export interface StepDefinition<P = Record<string, unknown>, R = unknown, O = R, Outputs = Readonly<Record<string, unknown>>> {
  name: string;
  /** Compute the step's output. May read the store; must not write it. */
  run(ctx: StepContext<P, Outputs>): Promise<R> | R;
  commit?(tx: Tx, output: R, ctx: StepContext<P, Outputs>): Promise<O> | O;
}

/** Hooks run inside the transition's transaction, so their rows and events commit with it. */
export interface WorkflowHooks<P, R = Record<string, unknown>> {
  onQueued?(tx: Tx, job: Job<P>): Promise<void>;
  onStarted?(tx: Tx, job: Job<P>): Promise<void>;
  onStepCompleted?(tx: Tx, job: Job<P>, step: StepRecord): Promise<void>;
  onCompleted?(tx: Tx, job: Job<P>, result: R): Promise<void>;
  /** `final` is false when the job will be retried. */
  onFailed?(tx: Tx, job: Job<P>, error: JobError, final: boolean, retryAt: number | null): Promise<void>;
  onCancelled?(tx: Tx, job: Job<P>): Promise<void>;
  /**
   * An operator re-runs the job from `fromStep`: the checkpoints of `discardedSteps` are gone,
   * and the workflow removes what those steps committed that a second run would collide with.
   * Throw (an `AfterwordError` naming the step) to refuse the re-run. `actor`: who asked for it.
   */
  onRerun?(tx: Tx, job: Job<P>, fromStep: string, discardedSteps: readonly string[], actor: string): Promise<void>;
  /**
   * The job is (or finished) past its SLA. `firstReport` is false when the watchdog already
   * reported it while it was late (so a breach raises one alert, and its completion still says by how much).
   */
  onSlaExceeded?(tx: Tx, job: Job<P>, lateByMs: number, firstReport: boolean): Promise<void>;
}

export interface WorkflowDefinition<P = Record<string, unknown>, R extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  steps: ReadonlyArray<StepDefinition<P, any, any, any>>;
  /** Build the job's result from the step outputs once every step is done. */
  result(outputs: Readonly<Record<string, unknown>>, job: Job<P>): R;
  hooks?: WorkflowHooks<P, R>;
  maxAttempts?: number;
  /** The workflow's own retry back-off (webhook deliveries retry for a day); default: the engine's settings. */
  backoff?: { baseMs: number; maxMs: number };
  slaMs?: number;
  /**
   * Tracing (telemetry/tracing.ts), for any engine: the W3C `traceparent` a job's spans continue
   * (the enqueuer's span, kept in the payload) and the attributes they carry besides the
   * engine's own (job id, workflow, attempt, step).
   */
  trace?: {
    parent(job: Job<P>): string | undefined;
    attributes(job: Job<P>): Record<string, string | number | boolean>;
  };
}

/** What a step throws to wait for a signal (see `StepContext.waitForSignal`). Engine-internal. */
export class WaitForSignal extends Error {
  constructor(
    readonly signalName: string,
    readonly until: number,
  ) {
    super(`waiting for signal ${signalName}`);
    this.name = 'WaitForSignal';
  }
}
