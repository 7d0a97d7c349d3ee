import type { Tx } from '../telemetry/outbox.js';
import type {
  AttemptRecord,
  EnqueueRequest,
  Job,
  JobQuery,
  JobStatus,
  StepRecord,
  WorkerRecord,
  WorkflowDefinition,
} from './types.js';

export type { JobQuery, WorkerRecord } from './types.js';

/**
 * The engine port. Workflows, services, routes, the CLI and the dashboard depend on this
 * interface only, never on a concrete engine, so the built-in durable engine (SQLite or
 * PostgreSQL) and the Temporal engine are interchangeable (docs/architecture.md).
 *
 * Whatever the engine, the job row in the store is the one model the API, CLI, metrics and
 * dashboard read: the built-in engine owns it outright; the Temporal engine mirrors
 * Temporal's state into it.
 */
export interface WorkflowEngine {
  /** `builtin` or `temporal`: shown by /readyz, the dashboard and `afterword workers`. */
  readonly kind: EngineKind;

  /** Make a workflow definition runnable; its name must be unique. */
  register<P, R extends Record<string, unknown>>(definition: WorkflowDefinition<P, R>): void;

  /**
   * Enqueue inside the caller's transaction: the job exists if and only if that transaction
   * commits. An `idempotencyKey` already used returns the existing job (`created: false`); a
   * `concurrencyKey` allows one unfinished job per key and workflow. A `runAt` in the future
   * makes a due-later job (publishing batches, digests, webhook retries).
   */
  enqueue<P>(tx: Tx, request: EnqueueRequest<P>): Promise<EnqueueOutcome<P>>;
  /** Enqueue outside any caller's transaction (one of its own). */
  enqueueNow<P>(request: EnqueueRequest<P>): Promise<EnqueueOutcome<P>>;

  /** The job, read inside `tx` when given (a caller's transaction sees its own writes). */
  getJob(jobId: string, tx?: Tx): Promise<Job | null>;
  /** Like `getJob`, but `job_not_found` when absent. */
  requireJob(jobId: string): Promise<Job>;
  /** Jobs newest first; inside `tx` when given. */
  listJobs(query: JobQuery, tx?: Tx): Promise<Job[]>;
  countByStatus(workflow?: string): Promise<Record<JobStatus, number>>;
  /** The job with its checkpointed steps, the steps still to run and every attempt. */
  timeline(jobId: string): Promise<JobTimeline>;
  /**
   * Retention (`afterword prune`, and the workers every `retention.pruneIntervalMs`): delete up to
   * `limit` finished jobs completed before `before`, with their checkpoints and attempts; never an
   * unfinished one. Optional: an engine that keeps its history elsewhere (Temporal, under its
   * namespace's retention) leaves it out, and pruning skips jobs.
   */
  pruneFinished?(before: number, limit: number): Promise<{ jobs: number; steps: number; attempts: number }>;

  /** Operator cancel of an unfinished job (recorded with the actor). */
  cancel(jobId: string, actor: string): Promise<Job>;
  /** Operator retry of a failed or cancelled job (recorded with the actor). */
  retry(jobId: string, actor: string): Promise<Job>;
  /**
   * Operator re-run from a chosen step (recorded): that step's and later checkpoints are
   * discarded and the job runs again from there. Built-in engine: requeue; Temporal: reset.
   */
  rerunFrom(jobId: string, step: string, actor: string): Promise<Job>;
  /**
   * Move a due-later job that has not started to `runAt`, inside the caller's transaction
   * (publishing overrides). Wakes the workers when it becomes due sooner.
   */
  reschedule(tx: Tx, jobId: string, runAt: number, actor: string): Promise<Job>;
  /**
   * Tell a waiting job that something it waits on changed (a moderation decision opened a
   * batch's gate): built-in engine, make it due now and wake workers; Temporal, a signal.
   */
  signal(tx: Tx, jobId: string, name: string, payload?: Record<string, unknown>): Promise<void>;

  /** Start this process's workers for the registered workflows. */
  startWorkers(options: StartWorkersOptions): Promise<EngineWorkers>;

  /** Worker processes known to the store, with their last heartbeat (`afterword workers`). */
  listWorkers(options?: { all?: boolean }): Promise<WorkerRecord[]>;
}

export type EngineKind = 'builtin' | 'temporal';

export interface EnqueueOutcome<P> {
  job: Job<P>;
  created: boolean;
}

export interface JobTimeline {
  job: Job;
  steps: Array<StepRecord & { name: string }>;
  pendingSteps: string[];
  attempts: AttemptRecord[];
  /** Where else the job can be seen: the Temporal engine links its workflow in the Temporal Web UI (when configured). */
  links?: { temporal?: string };
}

export interface StartWorkersOptions {
  concurrency: number;
  workerId?: string;
  /** Workflows this process runs (default: every registered one). */
  workflows?: readonly string[];
}

/** A process's running workers. */
export interface EngineWorkers {
  /** Stop claiming, drain for at most `drainTimeoutMs`, hand unfinished jobs back. */
  stop(drainTimeoutMs?: number): Promise<{ drained: number; released: number }>;
  /** Run one job now under the same exclusivity rules (operators, tests). */
  run(jobId: string): Promise<Job>;
  /** Resolves when no runnable job is left (tests, `worker --until-idle`). */
  untilIdle(): Promise<void>;
  /** What this process's workers did so far (`afterword worker` prints it on exit). */
  stats(): EngineWorkerStats;
}

export interface EngineWorkerStats {
  running: number;
  claimed: number;
  completed: number;
  failed: number;
  retried: number;
}
