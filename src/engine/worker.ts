import { hostname } from 'node:os';
import { AfterwordError, describeError } from '../errors.js';
import { GroupCommitter } from '../store/group-commit.js';
import type { Tx } from '../telemetry/outbox.js';
import { contextOf, inSpan, jobSpanName, markActiveSpanFailed, spanAttributes, stepSpanName } from '../telemetry/tracing.js';
import { backoffDelay } from './backoff.js';
import { type EngineRuntime, jobsChannel } from './engine-runtime.js';
import { engineTopics } from './engine-topics.js';
import { commitStepEffects, completeWithHooks } from './step-lifecycle.js';
import { assertLease } from './sql/assert-lease.js';
import { type ClaimedJob, claimJobs, claimTransactionOptions } from './sql/claim-jobs.js';
import { expireForeignLeases } from './sql/expire-foreign-leases.js';
import { extendLeases } from './sql/extend-leases.js';
import { failJob } from './sql/fail-job.js';
import { getJob } from './sql/get-job.js';
import { loadSteps } from './sql/load-steps.js';
import { nextRunAt } from './sql/next-run-at.js';
import { parkJob } from './sql/park-job.js';
import { recordStep } from './sql/record-step.js';
import { registerWorker } from './sql/register-worker.js';
import { releaseJob } from './sql/release-job.js';
import { reportWorker } from './sql/report-worker.js';
import { takeLateJobs } from './sql/take-late-jobs.js';
import {
  type Job,
  type JobError,
  type StepContext,
  type StepRecord,
  terminalStatuses,
  WaitForSignal,
  type WorkflowDefinition,
} from './types.js';

export interface WorkerOptions {
  workerId: string;
  concurrency: number;
  workflows: string[];
  /** Run the SLA watchdog in this worker. */
  watchdog: boolean;
  /** The store admits one working process (SQLite): leases held by others belong to dead processes. */
  singleProcessStore: boolean;
}

interface RunningJob {
  job: Job;
  controller: AbortController;
  done: Promise<void>;
  /** When the lease was last extended (claim, heartbeat or a step's `heartbeat()`). */
  leaseExtendedAt: number;
}

/** Why a running job was aborted; decides what its worker writes (nothing, a release, ...). */
type AbortReason = 'lease_lost' | 'shutdown';

export interface WorkerStats {
  running: number;
  claimed: number;
  completed: number;
  failed: number;
  retried: number;
}

/**
 * A worker claims runnable jobs with a lease, runs their steps, checkpoints each step with its
 * effects, and completes or fails them, every write fenced by the lease token. It heartbeats
 * its leases, sleeps until woken (in-process enqueue, NOTIFY, next due job, or poll interval),
 * and drains on stop: no new claims, running jobs get `drainTimeoutMs`, the rest are handed back
 * without counting an attempt.
 */
export class Worker {
  readonly id: string;
  readonly stats: WorkerStats = { running: 0, claimed: 0, completed: 0, failed: 0, retried: 0 };
  private readonly running = new Map<string, RunningJob>();
  /**
   * Running jobs whose handler is done and whose last write (completion or failure) waits for its
   * group commit. They hold a lease but no longer a slot: the next claim overlaps that commit.
   */
  private readonly finishing = new Set<string>();
  private readonly committer: GroupCommitter<Tx>;
  private started = false;
  private stopping = false;
  private claiming = false;
  private rerun = false;
  private sleepTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];
  private lastClaimEmpty = false;
  private stopWaking: (() => void) | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly runtime: EngineRuntime,
    readonly options: WorkerOptions,
  ) {
    this.id = options.workerId;
    this.committer = new GroupCommitter(runtime.store.runner);
  }

  /** Whether the worker runs (started and not stopped): leak checks read it. */
  get isRunning(): boolean {
    return this.started;
  }

  private now(): number {
    return this.runtime.clock.now();
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { store, logger } = this.runtime;
    const now = this.now();
    await registerWorker(
      store.driver,
      { workerId: this.id, hostname: hostname(), pid: process.pid, concurrency: this.options.concurrency },
      now,
    );
    if (this.options.singleProcessStore) {
      // We hold the store's work lock, so any lease not ours belongs to a process that died.
      const recovered = await expireForeignLeases(store.driver, this.id, now);
      if (recovered > 0) logger.warn({ recovered }, 'reclaiming jobs left running by a previous process');
    }
    this.stopWaking = this.runtime.onWake(() => this.poke());
    const driver = store.driver;
    if (driver.capabilities.listenNotify && driver.listen) this.unlisten = await driver.listen(jobsChannel, () => this.poke());
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.runtime.settings.heartbeatMs);
    if (this.options.watchdog) {
      this.watchdogTimer = setInterval(() => void this.checkSla(), this.runtime.settings.watchdogIntervalMs);
    }
    logger.info({ workerId: this.id, concurrency: this.options.concurrency }, 'worker started');
    this.poke();
  }

  /** Resolves once nothing is runnable now and nothing is running (`worker --until-idle`). */
  untilIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.poke();
    });
  }

  private checkIdle(): void {
    if (this.running.size === 0 && this.lastClaimEmpty && !this.claiming) {
      const waiters = this.idleWaiters.splice(0);
      for (const resolve of waiters) resolve();
    }
  }

  /**
   * Claim work if there is room. Re-entrant calls while a claim is in flight trigger one more
   * pass. One claim at a time, even on PostgreSQL: a second concurrent claim was measured to
   * split the free slots into smaller batches and lose throughput (more commits per job).
   */
  poke(): void {
    if (!this.started || this.stopping) return;
    if (this.claiming) {
      this.rerun = true;
      return;
    }
    void this.fill();
  }

  private async fill(): Promise<void> {
    this.claiming = true;
    // Whether a claim found fewer runnable jobs than it asked for: only then is it worth asking
    // when the next one is due. A worker whose slots are full is woken by its own completions.
    let drained = false;
    try {
      do {
        // Let the jobs just launched run up to their first wait: short handlers then free their
        // slots before the next claim, so it takes one full batch instead of several small ones.
        await new Promise((resolve) => setImmediate(resolve));
        this.rerun = false;
        const free = this.freeSlots();
        if (free <= 0 || this.stopping) break;
        const limit = Math.min(free, this.runtime.settings.claimBatchSize);
        const jobs = await this.claim(limit);
        this.lastClaimEmpty = jobs.length === 0;
        if (jobs.length === limit) this.rerun = true;
        else drained = true;
      } while (this.rerun && !this.stopping);
    } catch (error) {
      this.runtime.logger.error({ err: error }, 'claiming jobs failed; will retry at the next poll');
    } finally {
      this.claiming = false;
    }
    this.checkIdle();
    await this.scheduleSleep(drained);
  }

  /**
   * Slots free for new claims. Finishing jobs count as free up to twice `concurrency`, so two
   * batches of completions can be committing while a third batch runs; leases held stay
   * bounded (3x `concurrency`) when commits are slower than handlers.
   */
  private freeSlots(): number {
    const { concurrency } = this.options;
    return concurrency - this.running.size + Math.min(this.finishing.size, 2 * concurrency);
  }

  /** The job's handler is done and its last write is submitted: its slot may take new work. */
  private handlerFinished(jobId: string): void {
    this.finishing.add(jobId);
    this.poke();
  }

  private async claim(limit: number, jobId?: string): Promise<ClaimedJob[]> {
    const { store, ids, settings } = this.runtime;
    const leaseToken = ids.uuid();
    const claimed = await store.transact(async (tx) => {
      const jobs = await claimJobs(
        tx,
        {
          workflows: this.options.workflows,
          limit,
          workerId: this.id,
          leaseToken,
          leaseMs: settings.leaseMs,
          now: tx.now,
          ...(jobId ? { jobId } : {}),
        },
        store,
      );
      for (const { job } of jobs) await this.runtime.hooks(job.workflow)?.onStarted?.(tx, job);
      return jobs;
    }, claimTransactionOptions);
    const claimedAt = this.now();
    for (const entry of claimed) this.launch(entry, claimedAt);
    return claimed;
  }

  private launch({ job, neverStarted }: ClaimedJob, claimedAt: number): void {
    const controller = new AbortController();
    this.stats.claimed++;
    const entry: RunningJob = { job, controller, done: Promise.resolve(), leaseExtendedAt: claimedAt };
    this.running.set(job.jobId, entry);
    this.stats.running = this.running.size;
    entry.done = this.execute(entry, neverStarted).finally(() => {
      this.running.delete(job.jobId);
      this.finishing.delete(job.jobId);
      this.stats.running = this.running.size;
      this.poke();
    });
  }

  /** Run one specific job now, under the same lease rules (operators' `run`, tests). */
  async runJob(jobId: string): Promise<Job> {
    if (this.running.has(jobId)) throw new AfterwordError('job_busy', `job ${jobId} is already running in this worker`);
    const [claimed] = await this.claim(1, jobId);
    if (!claimed) {
      const existing = await this.requireJob(jobId);
      if (terminalStatuses.includes(existing.status)) {
        throw new AfterwordError(
          'job_terminal',
          `job ${jobId} is ${existing.status}; terminal jobs never restart except by retry`,
        );
      }
      throw new AfterwordError('job_busy', `job ${jobId} is ${existing.status} and not runnable now (leased or not yet due)`);
    }
    await this.running.get(jobId)?.done;
    return this.requireJob(jobId);
  }

  private async requireJob(jobId: string): Promise<Job> {
    const job = await getJob(this.runtime.store.driver, jobId);
    if (!job) throw new AfterwordError('job_not_found', `job ${jobId} does not exist`, { details: { jobId } });
    return job;
  }

  /** A step's `heartbeat()`: extend this job's lease now, at most every quarter lease. */
  private async stepHeartbeat(entry: RunningJob): Promise<void> {
    const { leaseMs } = this.runtime.settings;
    const now = this.now();
    if (entry.controller.signal.aborted) throw new AfterwordError('lease_lost', `job ${entry.job.jobId}: lease lost`);
    if (now - entry.leaseExtendedAt < leaseMs / 4) return;
    const held = [{ jobId: entry.job.jobId, leaseToken: entry.job.leaseToken as string }];
    const still = await extendLeases(this.runtime.store.driver, held, this.id, now + leaseMs);
    if (!still.has(entry.job.jobId)) {
      entry.controller.abort('lease_lost' satisfies AbortReason);
      throw new AfterwordError('lease_lost', `job ${entry.job.jobId}: lease lost`);
    }
    entry.leaseExtendedAt = now;
  }

  /** One attempt of a job, traced: a `job <workflow>` span continuing the enqueuer's trace (tracing.ts). */
  private async execute(entry: RunningJob, neverStarted: boolean): Promise<void> {
    const { job } = entry;
    const def = this.runtime.definition(job.workflow);
    const attributes = {
      ...(def.trace?.attributes(job) ?? {}),
      [spanAttributes.jobId]: job.jobId,
      [spanAttributes.workflow]: job.workflow,
      [spanAttributes.attempt]: job.attempts,
    };
    await inSpan(jobSpanName(job.workflow), { parent: contextOf(def.trace?.parent(job)), attributes }, () =>
      this.executeSteps(entry, neverStarted, def, attributes),
    );
  }

  private async executeSteps(
    entry: RunningJob,
    neverStarted: boolean,
    def: WorkflowDefinition<any, any>,
    attributes: Record<string, string | number | boolean>,
  ): Promise<void> {
    const { job, controller } = entry;
    const signal = controller.signal;
    const { store, logger } = this.runtime;
    const token = job.leaseToken as string;
    try {
      // A job claimed for the first time has no finished steps: skip the read (one round trip).
      const finished = neverStarted ? [] : await loadSteps(store.driver, job.jobId);
      const outputs: Record<string, unknown> = Object.fromEntries(finished.map((s) => [s.step, s.output]));
      const steps = def.steps;
      const remaining = steps.filter((s) => !(s.name in outputs));
      if (remaining.length === 0) {
        this.handlerFinished(job.jobId);
        await this.committer.submit((tx) => this.complete(tx, def, job, token, outputs));
        return;
      }
      for (const step of remaining) {
        if (signal.aborted) return;
        const stepAttributes = { ...attributes, [spanAttributes.step]: step.name };
        const carriedOn = await inSpan(
          stepSpanName(step.name),
          { attributes: stepAttributes, isError: (error) => !(error instanceof WaitForSignal) },
          () => this.runStep(entry, def, step, steps, remaining, outputs),
        );
        if (!carriedOn) return;
      }
    } catch (error) {
      if (error instanceof WaitForSignal) {
        await this.park(job, token, error, entry.leaseExtendedAt);
        return;
      }
      if (signal.aborted || (error instanceof AfterwordError && error.code === 'lease_lost')) {
        logger.warn({ jobId: job.jobId, reason: signal.reason ?? 'lease_lost' }, 'job abandoned: lease no longer held');
        return;
      }
      markActiveSpanFailed(error);
      await this.recordFailure(def, job, token, error);
    }
  }

  /** Run one step and commit its checkpoint; false when the job was taken away meanwhile. */
  private async runStep(
    entry: RunningJob,
    def: WorkflowDefinition<any, any>,
    step: WorkflowDefinition<any, any>['steps'][number],
    steps: WorkflowDefinition<any, any>['steps'],
    remaining: WorkflowDefinition<any, any>['steps'],
    outputs: Record<string, unknown>,
  ): Promise<boolean> {
    const { job, controller } = entry;
    const signal = controller.signal;
    const { store } = this.runtime;
    const token = job.leaseToken as string;
    const stepIndex = steps.indexOf(step);
    const startedAt = this.now();
    const ctx: StepContext<unknown> = {
      job,
      attempt: job.attempts,
      outputs,
      signal,
      store,
      now: startedAt,
      heartbeat: () => this.stepHeartbeat(entry),
      waitForSignal: (name, until) => {
        throw new WaitForSignal(name, until);
      },
    };
    const output = await step.run(ctx);
    if (signal.aborted) return false;
    const isLast = step === remaining[remaining.length - 1];
    if (isLast) this.handlerFinished(job.jobId);
    await this.committer.submit(async (tx) => {
      // The last step needs no separate fence: the completion below is itself fenced, and when it
      // finds the lease lost it throws, rolling this step's effects back with it. One round trip less.
      if (!isLast) await assertLease(tx, job.jobId, token, tx.now);
      const record = await commitStepEffects(tx, step, stepIndex, output, ctx);
      // The last checkpoint is written with the completion (one set-based statement per batch).
      if (!isLast) await recordStep(tx, job.jobId, record);
      outputs[step.name] = record.output;
      await def.hooks?.onStepCompleted?.(tx, job, record);
      // The last checkpoint and the completion share one transaction: one commit fewer per job.
      if (isLast) await this.complete(tx, def, job, token, outputs, record);
    });
    return true;
  }

  private async complete(
    tx: Tx,
    def: WorkflowDefinition<any, any>,
    job: Job,
    token: string,
    outputs: Record<string, unknown>,
    lastStep?: StepRecord,
  ) {
    await completeWithHooks(tx, def, job, token, outputs, { setBased: this.runtime.setBased, lastStep });
    tx.afterCommit(() => {
      this.stats.completed++;
    });
  }

  /** A step waits for a signal: hand the job back, due when signalled (or at the step's deadline). */
  private async park(job: Job, token: string, wait: WaitForSignal, since: number): Promise<void> {
    this.handlerFinished(job.jobId);
    try {
      const parked = await this.committer.submit(async (tx) => {
        const waiting = await parkJob(tx, {
          jobId: job.jobId,
          leaseToken: token,
          signal: wait.signalName,
          until: wait.until,
          since,
          now: tx.now,
        });
        await engineTopics.emit(tx, 'engine.job.waiting', {
          jobId: job.jobId,
          workflow: job.workflow,
          signal: wait.signalName,
          until: wait.until,
          dueAt: waiting.runAt,
        });
        return waiting;
      });
      if (parked.runAt <= this.now()) this.runtime.wake();
    } catch (error) {
      this.runtime.logger.warn({ jobId: job.jobId, err: error }, 'could not park the job (lease lost?)');
    }
  }

  private async recordFailure(def: WorkflowDefinition<any, any>, job: Job, token: string, thrown: unknown): Promise<void> {
    const { settings, logger } = this.runtime;
    const described = describeError(thrown);
    const retryable =
      !(thrown instanceof AfterwordError && !thrown.retryable) && (thrown as { retryable?: boolean })?.retryable !== false;
    const exhausted = job.attempts >= job.maxAttempts;
    const final = !retryable || exhausted;
    const details = thrown instanceof AfterwordError ? thrown.details : undefined;
    const error: JobError = {
      message: described.message,
      code: exhausted && retryable ? 'attempts_exhausted' : described.code,
      retryable,
      ...(exhausted && retryable ? { cause: described.code } : {}),
      ...(details ? { details } : {}),
    };
    const retryAt = final
      ? null
      : this.now() +
        backoffDelay(
          job.attempts,
          def.backoff?.baseMs ?? settings.backoffBaseMs,
          def.backoff?.maxMs ?? settings.backoffMaxMs,
          this.runtime.random,
        );
    this.handlerFinished(job.jobId);
    try {
      await this.committer.submit(async (tx) => {
        const failed = await failJob(tx, job.jobId, token, error, retryAt, tx.now);
        await engineTopics.emit(tx, final ? 'engine.job.failed' : 'engine.job.retrying', {
          jobId: job.jobId,
          workflow: job.workflow,
          attempts: failed.attempts,
          error,
          retryAt,
        });
        await def.hooks?.onFailed?.(tx, failed, error, final, retryAt);
      });
      if (final) this.stats.failed++;
      else this.stats.retried++;
      logger.warn({ jobId: job.jobId, attempt: job.attempts, final, error }, 'job attempt failed');
      if (retryAt !== null) this.runtime.wake();
    } catch (recordError) {
      logger.warn({ jobId: job.jobId, err: recordError }, 'could not record failure (lease lost?)');
    }
  }

  private async heartbeat(): Promise<void> {
    const { store, settings, logger } = this.runtime;
    const now = this.now();
    try {
      const held = [...this.running.values()].map((r) => ({ jobId: r.job.jobId, leaseToken: r.job.leaseToken as string }));
      const still = await extendLeases(store.driver, held, this.id, now + settings.leaseMs);
      // Judge only the jobs this heartbeat asked about: a job claimed while it was running was
      // not in `held`, and aborting it as "lost" would strand it until its lease expired.
      for (const { jobId } of held) {
        const entry = this.running.get(jobId);
        if (!still.has(jobId)) entry?.controller.abort('lease_lost' satisfies AbortReason);
        else if (entry) entry.leaseExtendedAt = now;
      }
      await reportWorker(store.driver, this.id, this.counts(), now);
    } catch (error) {
      logger.error({ err: error }, 'heartbeat failed');
    }
  }

  private counts() {
    return { running: this.running.size, completed: this.stats.completed, failed: this.stats.failed };
  }

  private async checkSla(): Promise<void> {
    try {
      await this.runtime.store.transact(async (tx) => {
        for (const job of await takeLateJobs(tx, tx.now)) {
          const base = job.startedAt ?? job.enqueuedAt;
          await this.runtime.hooks(job.workflow)?.onSlaExceeded?.(tx, job, tx.now - base - (job.slaMs ?? 0), true);
        }
      });
    } catch (error) {
      this.runtime.logger.error({ err: error }, 'SLA watchdog failed');
    }
  }

  private async scheduleSleep(lookAhead: boolean): Promise<void> {
    if (this.stopping || !this.started) return;
    clearTimeout(this.sleepTimer);
    let delay = this.runtime.settings.pollIntervalMs;
    if (lookAhead) {
      try {
        const due = await nextRunAt(this.runtime.store.driver, this.options.workflows);
        if (due !== null) delay = Math.max(0, Math.min(delay, due - this.now()));
      } catch {
        // The poll interval still bounds the sleep.
      }
    }
    if (this.stopping) return;
    this.sleepTimer = setTimeout(() => this.poke(), delay);
    this.sleepTimer.unref?.();
  }

  /**
   * Stop claiming, give running jobs `drainTimeoutMs` to finish, then hand the rest back
   * (lease released, attempt not counted) and record the worker as stopped.
   */
  async stop(drainTimeoutMs = this.runtime.settings.drainTimeoutMs): Promise<{ drained: number; released: number }> {
    if (!this.started) return { drained: 0, released: 0 };
    const { store, logger } = this.runtime;
    this.stopping = true;
    this.stopWaking?.();
    await this.unlisten?.().catch(() => undefined);
    clearTimeout(this.sleepTimer);
    clearInterval(this.heartbeatTimer);
    clearInterval(this.watchdogTimer);
    while (this.claiming) await new Promise((r) => setImmediate(r));
    const initially = this.running.size;
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, drainTimeoutMs)))]);
    clearTimeout(timer);
    let released = 0;
    for (const entry of [...this.running.values()]) {
      entry.controller.abort('shutdown' satisfies AbortReason);
      const now = this.now();
      if (await releaseJob(store.driver, entry.job.jobId, entry.job.leaseToken as string, now, now)) released++;
    }
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await reportWorker(store.driver, this.id, { ...this.counts(), running: 0 }, this.now(), true).catch(() => undefined);
    this.started = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    logger.info({ workerId: this.id, drained: initially - released, released }, 'worker stopped');
    return { drained: initially - released, released };
  }
}
