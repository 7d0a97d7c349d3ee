import { EventEmitter } from 'node:events';
import type { Clock, IdSource } from '../clock.js';
import { AfterwordError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Tx } from '../store/unit-of-work.js';
import type { Logger } from '../telemetry/logger.js';
import {
  cancelJob,
  countJobsByStatus,
  getJob,
  insertJob,
  type JobQuery,
  listJobs,
  loadAttempts,
  loadSteps,
  requeueJob,
} from './job-store.js';
import type { EnqueueRequest, Job, JobStatus, WorkflowDefinition } from './types.js';
import type { JobTimeline } from './workflow-engine.js';
import { Worker, type WorkerOptions } from './worker.js';

/** The notification channel on which enqueues wake workers in other processes. */
export const jobsChannel = 'afterword_jobs';

export interface EngineSettings {
  leaseMs: number;
  heartbeatMs: number;
  pollIntervalMs: number;
  claimBatchSize: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  drainTimeoutMs: number;
  watchdogIntervalMs: number;
}

export interface EngineDeps {
  store: Store;
  logger: Logger;
  clock: Clock;
  ids: IdSource;
  settings: EngineSettings;
  /** Jitter source; injected so tests can pin back-off delays. */
  random?: () => number;
}

export type { JobTimeline } from './workflow-engine.js';

/**
 * The durable engine: domain-agnostic, it knows workflows as lists of named steps and nothing
 * about stories. Enqueue happens inside the caller's transaction; workers claim with leases.
 * Written in-house rather than borrowed (graphile-worker, pg-boss) because the engine IS the
 * product: it must run identically on SQLite and PostgreSQL, checkpoint steps with their effects
 * in one fenced transaction, and feed our topic stream from inside those transactions.
 */
export class DurableEngine {
  readonly workflows = new Map<string, WorkflowDefinition<any>>();
  /** 'wake' fires after a commit that made work runnable in this process. */
  readonly signals = new EventEmitter();

  constructor(readonly deps: EngineDeps) {
    this.signals.setMaxListeners(0);
  }

  get store(): Store {
    return this.deps.store;
  }

  register<P>(definition: WorkflowDefinition<P>): this {
    if (this.workflows.has(definition.name)) throw new Error(`workflow ${definition.name} is already registered`);
    this.workflows.set(definition.name, definition as WorkflowDefinition<any>);
    return this;
  }

  definition(name: string): WorkflowDefinition<any> {
    const def = this.workflows.get(name);
    if (!def) throw new AfterwordError('internal', `no workflow named ${name} is registered`);
    return def;
  }

  /** Enqueue inside the caller's transaction; the job exists if and only if that transaction commits. */
  async enqueue<P>(tx: Tx, request: EnqueueRequest<P>): Promise<{ job: Job<P>; created: boolean }> {
    const def = this.definition(request.workflow);
    const outcome = await insertJob<P>(tx, this.store.dialect, this.withDefaults(def, request), tx.now);
    if (outcome.created) {
      await def.hooks?.onQueued?.(tx, outcome.job);
      await this.announceRunnable(tx);
    }
    return outcome;
  }

  /**
   * Enqueue outside any caller's transaction. A workflow with an `onQueued` hook gets a
   * transaction of its own (the hook writes with the job). Without one, the insert and the
   * wake-up of other processes' workers are one auto-committed statement: one round trip, where
   * a transaction takes three (this is most of the enqueue-to-start latency on PostgreSQL).
   */
  async enqueueNow<P>(request: EnqueueRequest<P>): Promise<{ job: Job<P>; created: boolean }> {
    const def = this.definition(request.workflow);
    if (def.hooks?.onQueued) return this.store.transact((tx) => this.enqueue(tx, request));
    const driver = this.store.driver;
    const outcome = await insertJob<P>(
      driver,
      this.store.dialect,
      this.withDefaults(def, request),
      this.deps.clock.now(),
      driver.notify ? jobsChannel : undefined,
    );
    if (outcome.created) this.wake();
    return outcome;
  }

  private withDefaults<P>(def: WorkflowDefinition<any>, request: EnqueueRequest<P>) {
    return {
      ...request,
      jobId: request.jobId ?? this.deps.ids.uuid(),
      maxAttempts: request.maxAttempts ?? def.maxAttempts ?? this.deps.settings.maxAttempts,
      ...((request.slaMs ?? def.slaMs) ? { slaMs: (request.slaMs ?? def.slaMs) as number } : {}),
    };
  }

  wake(): void {
    this.signals.emit('wake');
  }

  /**
   * After the transaction commits, wake this process's workers at once and, where the driver
   * can (PostgreSQL NOTIFY, delivered on commit), every other process's workers too.
   */
  async announceRunnable(tx: Tx): Promise<void> {
    tx.afterCommit(() => this.wake());
    const driver = this.store.driver;
    if (driver.notify) await driver.notify(tx, jobsChannel, '');
  }

  createWorker(options: Partial<WorkerOptions> = {}): Worker {
    return new Worker(this, {
      workerId: options.workerId ?? `${process.pid}-${this.deps.ids.uuid().slice(0, 8)}`,
      concurrency: options.concurrency ?? 4,
      workflows: options.workflows ?? [...this.workflows.keys()],
      watchdog: options.watchdog ?? true,
      singleProcessStore: options.singleProcessStore ?? !this.store.driver.capabilities.multipleProcesses,
    });
  }

  getJob(jobId: string): Promise<Job | null> {
    return getJob(this.store.driver, jobId);
  }

  async requireJob(jobId: string): Promise<Job> {
    const job = await this.getJob(jobId);
    if (!job) throw new AfterwordError('job_not_found', `job ${jobId} does not exist`, { details: { jobId } });
    return job;
  }

  listJobs(query: JobQuery): Promise<Job[]> {
    return listJobs(this.store.driver, query);
  }

  countByStatus(workflow?: string): Promise<Record<JobStatus, number>> {
    return countJobsByStatus(this.store.driver, workflow);
  }

  async timeline(jobId: string): Promise<JobTimeline> {
    const job = await this.requireJob(jobId);
    const [steps, attempts] = await Promise.all([loadSteps(this.store.driver, jobId), loadAttempts(this.store.driver, jobId)]);
    const def = this.workflows.get(job.workflow);
    const done = new Set(steps.map((s) => s.step));
    return {
      job,
      steps: steps.map((s) => ({ ...s, name: s.step })),
      pendingSteps: (def?.steps ?? []).map((s) => s.name).filter((n) => !done.has(n)),
      attempts,
    };
  }

  /** Operator cancel: the job stops where it is; a running worker loses its lease at once. */
  async cancel(jobId: string, actor = 'operator'): Promise<Job> {
    return this.store.transact(async (tx) => {
      const job = await cancelJob(tx, jobId, tx.now);
      if (!job) {
        const existing = await getJob(tx, jobId);
        if (!existing) throw new AfterwordError('job_not_found', `job ${jobId} does not exist`);
        throw new AfterwordError(
          'job_not_cancellable',
          `job ${jobId} is ${existing.status}; only unfinished jobs can be cancelled`,
        );
      }
      const def = this.workflows.get(job.workflow);
      await tx.emit('engine.job.cancelled', { jobId, workflow: job.workflow, actor });
      await def?.hooks?.onCancelled?.(tx, job);
      return job;
    });
  }

  /** Operator retry of a failed or cancelled job, recorded with the actor. */
  async retry(jobId: string, actor = 'operator'): Promise<Job> {
    const job = await this.store.transact(async (tx) => {
      const requeued = await requeueJob(tx, jobId, this.deps.settings.maxAttempts, tx.now);
      if (!requeued) {
        const existing = await getJob(tx, jobId);
        if (!existing) throw new AfterwordError('job_not_found', `job ${jobId} does not exist`);
        throw new AfterwordError(
          'job_not_retryable',
          `job ${jobId} is ${existing.status}; only failed or cancelled jobs can be retried`,
        );
      }
      await tx.emit('engine.job.retried', { jobId, workflow: requeued.workflow, actor, attempts: requeued.attempts });
      const def = this.workflows.get(requeued.workflow);
      await def?.hooks?.onQueued?.(tx, requeued);
      await this.announceRunnable(tx);
      return requeued;
    });
    return job;
  }
}
