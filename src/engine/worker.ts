import { hostname } from 'node:os';
import { AfterwordError, describeError } from '../errors.js';
import type { Tx } from '../store/unit-of-work.js';
import { backoffDelay } from './backoff.js';
import { type DurableEngine, jobsChannel } from './engine.js';
import { GroupCommitter } from './group-commit.js';
import {
  assertLease,
  claimJobs,
  claimTransactionOptions,
  completeJob,
  expireForeignLeases,
  extendLeases,
  failJob,
  insertStep,
  loadSteps,
  neverStartedJobs,
  nextRunAt,
  releaseJob,
  takeLateJobs,
} from './job-store.js';
import {
  type Job,
  type JobError,
  type StepContext,
  type StepRecord,
  terminalStatuses,
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
  private readonly committer: GroupCommitter;
  private started = false;
  private stopping = false;
  private claiming = false;
  private rerun = false;
  private sleepTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly onWake = () => this.poke();
  private lastClaimEmpty = false;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly engine: DurableEngine,
    readonly options: WorkerOptions,
  ) {
    this.id = options.workerId;
    this.committer = new GroupCommitter(engine.store.runner);
  }

  private get settings() {
    return this.engine.deps.settings;
  }

  private now(): number {
    return this.engine.deps.clock.now();
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const now = this.now();
    await this.engine.store.driver.run(
      `INSERT INTO workers (worker_id, hostname, pid, concurrency, started_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (worker_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, stopped_at = NULL`,
      [this.id, hostname(), process.pid, this.options.concurrency, now, now],
    );
    if (this.options.singleProcessStore) {
      // We hold the store's work lock, so any lease not ours belongs to a process that died.
      const recovered = await expireForeignLeases(this.engine.store.driver, this.id, now);
      if (recovered > 0) this.engine.deps.logger.warn({ recovered }, 'reclaiming jobs left running by a previous process');
    }
    this.engine.signals.on('wake', this.onWake);
    const driver = this.engine.store.driver;
    if (driver.listen) this.unlisten = await driver.listen(jobsChannel, () => this.poke());
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.settings.heartbeatMs);
    if (this.options.watchdog) {
      this.watchdogTimer = setInterval(() => void this.checkSla(), this.settings.watchdogIntervalMs);
    }
    this.engine.deps.logger.info({ workerId: this.id, concurrency: this.options.concurrency }, 'worker started');
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
        const limit = Math.min(free, this.settings.claimBatchSize);
        const jobs = await this.claim(limit);
        this.lastClaimEmpty = jobs.length === 0;
        if (jobs.length === limit) this.rerun = true;
        else drained = true;
      } while (this.rerun && !this.stopping);
    } catch (error) {
      this.engine.deps.logger.error({ err: error }, 'claiming jobs failed; will retry at the next poll');
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

  private async claim(limit: number, jobId?: string): Promise<Job[]> {
    const leaseToken = this.engine.deps.ids.uuid();
    const jobs = await this.engine.store.transact(async (tx) => {
      const claimed = await claimJobs(tx, this.engine.store.dialect, {
        workflows: this.options.workflows,
        limit,
        workerId: this.id,
        leaseToken,
        leaseMs: this.settings.leaseMs,
        now: tx.now,
        ...(jobId ? { jobId } : {}),
      });
      for (const job of claimed) await this.engine.definition(job.workflow).hooks?.onStarted?.(tx, job);
      return claimed;
    }, claimTransactionOptions);
    for (const job of jobs) this.launch(job);
    return jobs;
  }

  private launch(job: Job): void {
    const controller = new AbortController();
    this.stats.claimed++;
    const entry: RunningJob = { job, controller, done: Promise.resolve() };
    this.running.set(job.jobId, entry);
    this.stats.running = this.running.size;
    entry.done = this.execute(job, controller.signal).finally(() => {
      this.running.delete(job.jobId);
      this.finishing.delete(job.jobId);
      this.stats.running = this.running.size;
      this.poke();
    });
  }

  /** Run one specific job now, under the same lease rules (operators' `run`, tests). */
  async runJob(jobId: string): Promise<Job> {
    if (this.running.has(jobId)) throw new AfterwordError('job_busy', `job ${jobId} is already running in this worker`);
    const [job] = await this.claim(1, jobId);
    if (!job) {
      const existing = await this.engine.requireJob(jobId);
      if (terminalStatuses.includes(existing.status)) {
        throw new AfterwordError(
          'job_terminal',
          `job ${jobId} is ${existing.status}; terminal jobs never restart except by retry`,
        );
      }
      throw new AfterwordError('job_busy', `job ${jobId} is ${existing.status} and not runnable now (leased or not yet due)`);
    }
    await this.running.get(jobId)?.done;
    return this.engine.requireJob(jobId);
  }

  private async execute(job: Job, signal: AbortSignal): Promise<void> {
    const def = this.engine.definition(job.workflow);
    const token = job.leaseToken as string;
    try {
      // A job claimed for the first time has no finished steps: skip the read (one round trip).
      const finished = neverStartedJobs.has(job) ? [] : await loadSteps(this.engine.store.driver, job.jobId);
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
        const stepIndex = steps.indexOf(step);
        const startedAt = this.now();
        const ctx: StepContext<unknown> = {
          job,
          attempt: job.attempts,
          outputs,
          signal,
          store: this.engine.store,
          now: startedAt,
        };
        const output = await step.run(ctx as never);
        if (signal.aborted) return;
        const isLast = step === remaining[remaining.length - 1];
        if (isLast) this.handlerFinished(job.jobId);
        await this.committer.submit(async (tx) => {
          // The last step needs no separate fence: the completion below is itself fenced, and when it
          // finds the lease lost it throws, rolling this step's effects back with it. One round trip less.
          if (!isLast) await assertLease(tx, job.jobId, token, tx.now);
          const committed = step.commit ? await step.commit(tx, output, ctx as never) : undefined;
          const record: StepRecord = {
            step: step.name,
            stepIndex,
            attempt: job.attempts,
            output: committed === undefined ? output : committed,
            startedAt,
            completedAt: tx.now,
            durationMs: tx.now - startedAt,
          };
          // The last checkpoint is written with the completion (one set-based statement per batch on PostgreSQL).
          if (!isLast) await insertStep(tx, job.jobId, record);
          outputs[step.name] = record.output;
          await def.hooks?.onStepCompleted?.(tx, job, record);
          // The last checkpoint and the completion share one transaction: one commit fewer per job.
          if (isLast) await this.complete(tx, def, job, token, outputs, record);
        });
      }
    } catch (error) {
      if (signal.aborted || (error instanceof AfterwordError && error.code === 'lease_lost')) {
        this.engine.deps.logger.warn(
          { jobId: job.jobId, reason: signal.reason ?? 'lease_lost' },
          'job abandoned: lease no longer held',
        );
        return;
      }
      await this.recordFailure(def, job, token, error);
    }
  }

  private async complete(
    tx: Tx,
    def: WorkflowDefinition<any>,
    job: Job,
    token: string,
    outputs: Record<string, unknown>,
    lastStep?: StepRecord,
  ) {
    const result = def.result(outputs, job);
    const completed = await completeJob(tx, job, token, result, this.engine.store.dialect, lastStep);
    await tx.emit('engine.job.completed', {
      jobId: job.jobId,
      workflow: job.workflow,
      durationMs: completed.durationMs,
      attempts: completed.attempts,
    });
    await def.hooks?.onCompleted?.(tx, completed, result);
    if (completed.slaMs !== null && (completed.durationMs ?? 0) > completed.slaMs) {
      await def.hooks?.onSlaExceeded?.(tx, completed, (completed.durationMs ?? 0) - completed.slaMs);
    }
    tx.afterCommit(() => {
      this.stats.completed++;
    });
  }

  private async recordFailure(def: WorkflowDefinition<any>, job: Job, token: string, thrown: unknown): Promise<void> {
    const described = describeError(thrown);
    const retryable =
      !(thrown instanceof AfterwordError && !thrown.retryable) && (thrown as { retryable?: boolean })?.retryable !== false;
    const exhausted = job.attempts >= job.maxAttempts;
    const final = !retryable || exhausted;
    const error: JobError = {
      message: described.message,
      code: exhausted && retryable ? 'attempts_exhausted' : described.code,
      retryable,
      ...(exhausted && retryable ? { cause: described.code } : {}),
    };
    const retryAt = final
      ? null
      : this.now() +
        backoffDelay(
          job.attempts,
          this.settings.backoffBaseMs,
          this.settings.backoffMaxMs,
          this.engine.deps.random ?? Math.random,
        );
    this.handlerFinished(job.jobId);
    try {
      await this.committer.submit(async (tx) => {
        const failed = await failJob(tx, job.jobId, token, error, retryAt, tx.now);
        await tx.emit(final ? 'engine.job.failed' : 'engine.job.retrying', {
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
      this.engine.deps.logger.warn({ jobId: job.jobId, attempt: job.attempts, final, error }, 'job attempt failed');
      if (retryAt !== null) this.engine.wake();
    } catch (recordError) {
      this.engine.deps.logger.warn({ jobId: job.jobId, err: recordError }, 'could not record failure (lease lost?)');
    }
  }

  private async heartbeat(): Promise<void> {
    const now = this.now();
    try {
      const held = [...this.running.values()].map((r) => ({ jobId: r.job.jobId, leaseToken: r.job.leaseToken as string }));
      const still = await extendLeases(this.engine.store.driver, held, this.id, now + this.settings.leaseMs);
      // Judge only the jobs this heartbeat asked about: a job claimed while it was running was
      // not in `held`, and aborting it as "lost" would strand it until its lease expired.
      for (const { jobId } of held) {
        if (!still.has(jobId)) this.running.get(jobId)?.controller.abort('lease_lost' satisfies AbortReason);
      }
      await this.engine.store.driver.run(
        'UPDATE workers SET last_seen_at = ?, running = ?, completed = ?, failed = ? WHERE worker_id = ?',
        [now, this.running.size, this.stats.completed, this.stats.failed, this.id],
      );
    } catch (error) {
      this.engine.deps.logger.error({ err: error }, 'heartbeat failed');
    }
  }

  private async checkSla(): Promise<void> {
    try {
      await this.engine.store.transact(async (tx) => {
        for (const job of await takeLateJobs(tx, tx.now)) {
          const base = job.startedAt ?? job.enqueuedAt;
          await this.engine.workflows.get(job.workflow)?.hooks?.onSlaExceeded?.(tx, job, tx.now - base - (job.slaMs ?? 0));
        }
      });
    } catch (error) {
      this.engine.deps.logger.error({ err: error }, 'SLA watchdog failed');
    }
  }

  private async scheduleSleep(lookAhead: boolean): Promise<void> {
    if (this.stopping || !this.started) return;
    clearTimeout(this.sleepTimer);
    let delay = this.settings.pollIntervalMs;
    if (lookAhead) {
      try {
        const due = await nextRunAt(this.engine.store.driver, this.options.workflows);
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
  async stop(drainTimeoutMs = this.settings.drainTimeoutMs): Promise<{ drained: number; released: number }> {
    if (!this.started) return { drained: 0, released: 0 };
    this.stopping = true;
    this.engine.signals.off('wake', this.onWake);
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
      if (await releaseJob(this.engine.store.driver, entry.job.jobId, entry.job.leaseToken as string, this.now())) released++;
    }
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await this.engine.store.driver
      .run('UPDATE workers SET stopped_at = ?, running = 0, completed = ?, failed = ? WHERE worker_id = ?', [
        this.now(),
        this.stats.completed,
        this.stats.failed,
        this.id,
      ])
      .catch(() => undefined);
    this.started = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.engine.deps.logger.info({ workerId: this.id, drained: initially - released, released }, 'worker stopped');
    return { drained: initially - released, released };
  }
}
