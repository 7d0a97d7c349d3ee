import { AfterwordError, invalidInput } from '../errors.js';
import type { Tx } from '../telemetry/outbox.js';
import { type EngineDeps, EngineRuntime, jobsChannel } from './engine-runtime.js';
import { engineTopics } from './engine-topics.js';
import { cancelJob } from './sql/cancel-job.js';
import { countJobsByStatus } from './sql/count-jobs.js';
import { discardSteps } from './sql/discard-steps.js';
import { getJob } from './sql/get-job.js';
import { insertJob } from './sql/insert-job.js';
import { listJobs } from './sql/list-jobs.js';
import { listWorkers } from './sql/list-workers.js';
import { loadAttempts } from './sql/load-attempts.js';
import { loadSteps } from './sql/load-steps.js';
import { type PrunedJobs, pruneFinishedJobs } from './sql/prune-jobs.js';
import { requeueJob } from './sql/requeue-job.js';
import { rescheduleJob } from './sql/reschedule-job.js';
import { signalJob } from './sql/signal-job.js';
import {
  type EnqueueRequest,
  type Job,
  type JobQuery,
  type JobStatus,
  terminalStatuses,
  type WorkerRecord,
  type WorkflowDefinition,
} from './types.js';
import { Worker, type WorkerOptions } from './worker.js';
import type { EngineWorkers, EnqueueOutcome, JobTimeline, StartWorkersOptions, WorkflowEngine } from './workflow-engine.js';

export type { EngineDeps, EngineSettings } from './engine-runtime.js';
export { jobsChannel } from './engine-runtime.js';
export type { JobTimeline } from './workflow-engine.js';

const finishedStatuses = ['completed', 'failed', 'cancelled'] as const;

/**
 * The built-in durable engine behind the `WorkflowEngine` port: domain-agnostic, it knows
 * workflows as lists of named steps and nothing about stories. Enqueue happens inside the
 * caller's transaction; workers (worker.ts) claim with leases. Written in-house rather than
 * borrowed (graphile-worker, pg-boss) because the engine IS the product: it must run identically
 * on SQLite and PostgreSQL, checkpoint steps with their effects in one fenced transaction, and
 * feed our topic stream from inside those transactions. Its SQL is one operation per file in sql/.
 */
export class DurableEngine implements WorkflowEngine {
  readonly kind = 'builtin' as const;
  private readonly runtime: EngineRuntime;

  constructor(readonly deps: EngineDeps) {
    this.runtime = new EngineRuntime(deps);
  }

  private get store() {
    return this.runtime.store;
  }

  register<P, R extends Record<string, unknown>>(definition: WorkflowDefinition<P, R>): this {
    this.runtime.register(definition);
    return this;
  }

  /** Names of the registered workflows, in registration order. */
  workflowNames(): string[] {
    return this.runtime.workflowNames();
  }

  /** Enqueue inside the caller's transaction; the job exists if and only if that transaction commits. */
  async enqueue<P>(tx: Tx, request: EnqueueRequest<P>): Promise<EnqueueOutcome<P>> {
    const def = this.runtime.definition(request.workflow);
    const outcome = await insertJob<P>(tx, this.store.fragments, this.withDefaults(def, request), tx.now);
    if (outcome.created) {
      await def.hooks?.onQueued?.(tx, outcome.job);
      await this.runtime.announceRunnable(tx);
    }
    return outcome;
  }

  /**
   * Enqueue outside any caller's transaction. A workflow with an `onQueued` hook gets a
   * transaction of its own (the hook writes with the job). Without one, the insert and the
   * wake-up of other processes' workers are one auto-committed statement where the store can
   * (notifications and writable CTEs): one round trip, where a transaction takes three (this is
   * most of the enqueue-to-start latency on PostgreSQL).
   */
  async enqueueNow<P>(request: EnqueueRequest<P>): Promise<EnqueueOutcome<P>> {
    const def = this.runtime.definition(request.workflow);
    if (def.hooks?.onQueued) return this.store.transact((tx) => this.enqueue(tx, request));
    const { driver } = this.store;
    const notifyInline = driver.capabilities.listenNotify && driver.capabilities.writableCtes;
    const outcome = await insertJob<P>(
      driver,
      this.store.fragments,
      this.withDefaults(def, request),
      this.deps.clock.now(),
      notifyInline ? jobsChannel : undefined,
    );
    if (outcome.created) this.runtime.wake();
    return outcome;
  }

  private withDefaults<P>(def: WorkflowDefinition<any, any>, request: EnqueueRequest<P>) {
    const slaMs = request.slaMs ?? def.slaMs;
    return {
      ...request,
      jobId: request.jobId ?? this.deps.ids.uuid(),
      maxAttempts: request.maxAttempts ?? def.maxAttempts ?? this.deps.settings.maxAttempts,
      ...(slaMs ? { slaMs } : {}),
    };
  }

  /** Wake this process's workers now (they also wake on their own at the poll interval). */
  wake(): void {
    this.runtime.wake();
  }

  /** A worker of this engine (built-in specific; `startWorkers` is the port's way). */
  createWorker(options: Partial<WorkerOptions> = {}): Worker {
    return new Worker(this.runtime, {
      workerId: options.workerId ?? `${process.pid}-${this.deps.ids.uuid().slice(0, 8)}`,
      concurrency: options.concurrency ?? 4,
      workflows: options.workflows ?? this.runtime.workflowNames(),
      watchdog: options.watchdog ?? true,
      singleProcessStore: options.singleProcessStore ?? !this.store.driver.capabilities.multipleProcesses,
    });
  }

  /**
   * Start this process's workers. Where the store admits one working process (SQLite) the
   * store's work lock is taken first, so a second process is refused (`store_locked`) instead
   * of fighting over leases; it is released when the workers stop.
   */
  async startWorkers(options: StartWorkersOptions): Promise<EngineWorkers> {
    const release = this.store.driver.acquireWorkLock();
    const worker = this.createWorker({
      concurrency: options.concurrency,
      ...(options.workerId ? { workerId: options.workerId } : {}),
      ...(options.workflows ? { workflows: [...options.workflows] } : {}),
    });
    try {
      await worker.start();
    } catch (error) {
      release();
      throw error;
    }
    let stopped: Promise<{ drained: number; released: number }> | undefined;
    return {
      stop: (drainTimeoutMs) => {
        stopped ??= worker.stop(drainTimeoutMs).finally(release);
        return stopped;
      },
      run: (jobId) => worker.runJob(jobId),
      untilIdle: () => worker.untilIdle(),
      stats: () => ({ ...worker.stats }),
    };
  }

  getJob(jobId: string, tx?: Tx): Promise<Job | null> {
    return getJob(tx ?? this.store.driver, jobId);
  }

  async requireJob(jobId: string): Promise<Job> {
    const job = await this.getJob(jobId);
    if (!job) throw new AfterwordError('job_not_found', `job ${jobId} does not exist`, { details: { jobId } });
    return job;
  }

  listJobs(query: JobQuery, tx?: Tx): Promise<Job[]> {
    return listJobs(tx ?? this.store.driver, query);
  }

  countByStatus(workflow?: string): Promise<Record<JobStatus, number>> {
    return countJobsByStatus(this.store.driver, workflow);
  }

  /** Retention: up to `limit` finished jobs completed before `before` go, with their checkpoints and attempts. */
  pruneFinished(before: number, limit: number): Promise<PrunedJobs> {
    return this.store.transact((tx) => pruneFinishedJobs(tx, this.store.fragments, before, limit));
  }

  listWorkers(options: { all?: boolean } = {}): Promise<WorkerRecord[]> {
    return listWorkers(this.store.driver, options.all ?? false);
  }

  async timeline(jobId: string): Promise<JobTimeline> {
    const job = await this.requireJob(jobId);
    const [steps, attempts] = await Promise.all([loadSteps(this.store.driver, jobId), loadAttempts(this.store.driver, jobId)]);
    const done = new Set(steps.map((s) => s.step));
    return {
      job,
      steps: steps.map((s) => ({ ...s, name: s.step })),
      pendingSteps: this.runtime.stepNames(job.workflow).filter((n) => !done.has(n)),
      attempts,
    };
  }

  /** Operator cancel: the job stops where it is; a running worker loses its lease at once. */
  async cancel(jobId: string, actor = 'operator'): Promise<Job> {
    return this.store.transact(async (tx) => {
      const job = await cancelJob(tx, jobId, tx.now);
      if (!job) {
        const existing = await this.existing(tx, jobId);
        throw new AfterwordError(
          'job_not_cancellable',
          `job ${jobId} is ${existing.status}; only unfinished jobs can be cancelled`,
        );
      }
      await engineTopics.emit(tx, 'engine.job.cancelled', { jobId, workflow: job.workflow, actor });
      await this.runtime.hooks(job.workflow)?.onCancelled?.(tx, job);
      return job;
    });
  }

  /** Operator retry of a failed or cancelled job, recorded with the actor. */
  async retry(jobId: string, actor = 'operator'): Promise<Job> {
    return this.requeue(jobId, async (tx) => {
      const requeued = await requeueJob(tx, jobId, ['failed', 'cancelled'], this.deps.settings.maxAttempts, tx.now);
      if (!requeued) {
        const existing = await this.existing(tx, jobId);
        throw new AfterwordError(
          'job_not_retryable',
          `job ${jobId} is ${existing.status}; only failed or cancelled jobs can be retried`,
        );
      }
      await engineTopics.emit(tx, 'engine.job.retried', {
        jobId,
        workflow: requeued.workflow,
        actor,
        attempts: requeued.attempts,
      });
      return requeued;
    });
  }

  /**
   * Operator re-run from a step of a finished job (completed, failed or cancelled), recorded
   * with the actor: the checkpoints of that step and every later one are discarded and the job
   * is queued again with a fresh attempt budget, so its workers run from that step on. Steps
   * replace the artefacts their earlier run committed (their `commit` is written for it).
   */
  async rerunFrom(jobId: string, step: string, actor = 'operator'): Promise<Job> {
    return this.requeue(jobId, async (tx) => {
      const existing = await this.existing(tx, jobId);
      const steps = this.runtime.stepNames(existing.workflow);
      const stepIndex = steps.indexOf(step);
      if (stepIndex < 0) throw invalidInput([{ field: 'step', reason: `must be one of ${steps.join(', ')}` }]);
      if (!terminalStatuses.includes(existing.status)) {
        throw new AfterwordError(
          'job_busy',
          `job ${jobId} is ${existing.status}; only a finished job can be re-run (cancel it first)`,
        );
      }
      const discarded = await discardSteps(tx, jobId, stepIndex);
      await this.runtime.hooks(existing.workflow)?.onRerun?.(tx, existing, step, discarded, actor);
      const requeued = await requeueJob(tx, jobId, finishedStatuses, this.deps.settings.maxAttempts, tx.now);
      if (!requeued) throw new AfterwordError('job_busy', `job ${jobId} changed while it was being re-run; try again`);
      await engineTopics.emit(tx, 'engine.job.rerun', {
        jobId,
        workflow: requeued.workflow,
        actor,
        fromStep: step,
        discardedSteps: discarded,
        attempts: requeued.attempts,
      });
      return requeued;
    });
  }

  /**
   * The requeue part of retry and re-run: the workflow's `onQueued` hook, a wake-up, and a clear
   * 409 when another unfinished job holds the job's concurrency key (one active closure per
   * session), which the store reports as a unique violation.
   */
  private async requeue(jobId: string, change: (tx: Tx) => Promise<Job>): Promise<Job> {
    try {
      return await this.store.transact(async (tx) => {
        const job = await change(tx);
        await this.runtime.hooks(job.workflow)?.onQueued?.(tx, job);
        await this.runtime.announceRunnable(tx);
        return job;
      });
    } catch (error) {
      if (!this.store.driver.isUniqueViolation(error)) throw error;
      throw new AfterwordError(
        'job_busy',
        `job ${jobId} cannot be queued again while another unfinished job holds its concurrency key`,
      );
    }
  }

  /**
   * Move a job that is waiting to run to `runAt`, inside the caller's transaction, recorded
   * with the actor. Workers wake when it becomes due sooner. `job_not_reschedulable` when the
   * job is running or finished.
   */
  async reschedule(tx: Tx, jobId: string, runAt: number, actor: string): Promise<Job> {
    const existing = await this.existing(tx, jobId);
    const moved = await rescheduleJob(tx, jobId, runAt, tx.now);
    if (!moved) {
      throw new AfterwordError(
        'job_not_reschedulable',
        `job ${jobId} is ${existing.status}; only a job waiting to run can be rescheduled`,
      );
    }
    await engineTopics.emit(tx, 'engine.job.rescheduled', {
      jobId,
      workflow: moved.workflow,
      actor,
      runAt,
      previousRunAt: existing.runAt,
    });
    if (runAt < existing.runAt) await this.runtime.announceRunnable(tx);
    return moved;
  }

  /**
   * Tell a job that something it waits on changed, inside the caller's transaction. A job whose
   * step waits for `name` (`StepContext.waitForSignal`) becomes due now and workers wake; any
   * other unfinished job keeps its schedule (a due-later batch still runs at its time) but
   * remembers the signal, so a step about to wait for it goes on at once. A finished job
   * ignores it.
   */
  async signal(tx: Tx, jobId: string, name: string, payload: Record<string, unknown> = {}): Promise<void> {
    const outcome = await signalJob(tx, jobId, name, tx.now, this.store.fragments.rowLockClause);
    if (!outcome) return;
    await engineTopics.emit(tx, 'engine.job.signalled', {
      jobId,
      workflow: outcome.job.workflow,
      signal: name,
      woke: outcome.woke,
      payload,
    });
    if (outcome.woke) await this.runtime.announceRunnable(tx);
  }

  private async existing(tx: Tx, jobId: string): Promise<Job> {
    const job = await getJob(tx, jobId);
    if (!job) throw new AfterwordError('job_not_found', `job ${jobId} does not exist`, { details: { jobId } });
    return job;
  }
}
