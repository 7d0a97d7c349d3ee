import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Clock, IdSource } from '../clock.js';
import { backoffDelay } from '../engine/backoff.js';
import type { EngineSettings } from '../engine/engine.js';
import { engineTopics } from '../engine/engine-topics.js';
import { commitStepEffects, completeWithHooks } from '../engine/step-lifecycle.js';
import { assertLease } from '../engine/sql/assert-lease.js';
import { beginAttempt } from '../engine/sql/begin-attempt.js';
import { failJob } from '../engine/sql/fail-job.js';
import { getJob } from '../engine/sql/get-job.js';
import { loadSteps } from '../engine/sql/load-steps.js';
import { parkJob } from '../engine/sql/park-job.js';
import { recordStep } from '../engine/sql/record-step.js';
import { takeLateJob } from '../engine/sql/take-late-job.js';
import {
  type Job,
  type JobError,
  type StepContext,
  terminalStatuses,
  WaitForSignal,
  type WorkflowDefinition,
} from '../engine/types.js';
import { AfterwordError, describeError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Tx } from '../telemetry/outbox.js';
import { contextOf, inSpan, jobSpanName, spanAttributes, stepSpanName, tracer } from '../telemetry/tracing.js';
import { ROOT_CONTEXT, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { failureTypes, type JobActivities, type JobState, type SerializedError } from './workflow-contract.js';

export interface ActivityDeps {
  store: Store<Tx>;
  clock: Clock;
  ids: IdSource;
  logger: Logger;
  settings: EngineSettings;
  random: () => number;
  workerId: string;
  /** Heartbeat this often while a step runs (a dead worker is noticed after the heartbeat timeout). */
  heartbeatEveryMs: number;
  /** An attempt's trace span is ended after this long at the latest (the activity timeout). */
  attemptSpanMaxMs: number;
  definition(name: string): WorkflowDefinition<any, any>;
  stats: { running: number; claimed: number; completed: number; failed: number; retried: number };
}

/** A lease that outlives any run: the workflow run holds the job; built-in workers never run here. */
const leaseHoldMs = 365 * 24 * 3_600_000;

class AlreadyCheckpointed extends Error {}

function leaseLost(jobId: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: failureTypes.leaseLost,
    message: `job ${jobId}: this run no longer holds it`,
    nonRetryable: true,
  });
}

/** A step's error as the built-in engine judges it (retryable unless it says otherwise). */
function serialize(thrown: unknown): SerializedError {
  const described = describeError(thrown);
  const retryable =
    !(thrown instanceof AfterwordError && !thrown.retryable) && (thrown as { retryable?: boolean })?.retryable !== false;
  const details = thrown instanceof AfterwordError ? thrown.details : undefined;
  return { message: described.message, code: described.code, retryable, ...(details ? { details } : {}) };
}

/**
 * A step's error as an ApplicationFailure for the workflow. Always non-retryable at the activity
 * level: the workflow retries the job (attempts, back-off, events and alerts exactly as on the
 * built-in engine), while Temporal's activity retry policy covers what happens around the step
 * (a worker that died, a store that did not answer). `invalid_input` is never retried at all.
 */
function stepFailure(thrown: unknown, jobId: string): ApplicationFailure {
  if (thrown instanceof ApplicationFailure) return thrown;
  if (thrown instanceof WaitForSignal) {
    return ApplicationFailure.create({
      type: failureTypes.waitForSignal,
      message: thrown.message,
      nonRetryable: true,
      details: [{ signal: thrown.signalName, until: thrown.until }],
    });
  }
  if (thrown instanceof AfterwordError && thrown.code === 'lease_lost') return leaseLost(jobId);
  const error = serialize(thrown);
  return ApplicationFailure.create({ type: error.code, message: error.message, nonRetryable: true, details: [error] });
}

/**
 * Tracing (telemetry/tracing.ts), as on the built-in engine: an attempt is a `job <workflow>` span
 * continuing the enqueuer's trace (the close's, from the job's payload), each step a `step <name>`
 * span under it. The attempt's span lives in the process that began it until the attempt ends
 * there (or after the activity timeout); a step run by another worker process hangs directly under
 * the enqueuer's span instead.
 */
class AttemptSpans {
  private readonly spans = new Map<
    string,
    { span: Span; attributes: Record<string, string | number | boolean>; timer: NodeJS.Timeout }
  >();

  constructor(private readonly maxMs: number) {}

  begin(def: WorkflowDefinition<any, any>, job: Job, token: string): void {
    const attributes = {
      ...(def.trace?.attributes(job) ?? {}),
      [spanAttributes.jobId]: job.jobId,
      [spanAttributes.workflow]: job.workflow,
      [spanAttributes.attempt]: job.attempts,
    };
    const span = tracer().startSpan(jobSpanName(job.workflow), { attributes }, contextOf(def.trace?.parent(job)));
    const timer = setTimeout(() => this.end(token), this.maxMs);
    timer.unref();
    this.spans.set(token, { span, attributes, timer });
  }

  /** Where a step's span goes, and what it carries. */
  forStep(def: WorkflowDefinition<any, any>, job: Job, token: string, step: string) {
    const entry = this.spans.get(token);
    const attributes = entry?.attributes ?? {
      ...(def.trace?.attributes(job) ?? {}),
      [spanAttributes.jobId]: job.jobId,
      [spanAttributes.workflow]: job.workflow,
      [spanAttributes.attempt]: job.attempts,
    };
    return {
      parent: entry ? trace.setSpan(ROOT_CONTEXT, entry.span) : contextOf(def.trace?.parent(job)),
      attributes: { ...attributes, [spanAttributes.step]: step },
    };
  }

  end(token: string, error?: { message: string }): void {
    const entry = this.spans.get(token);
    if (!entry) return;
    this.spans.delete(token);
    clearTimeout(entry.timer);
    if (error) entry.span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    entry.span.end();
  }
}

/** The activities of the generic workflow, bound to this process's store and workflow definitions. */
export function createActivities(deps: ActivityDeps): JobActivities {
  const { store } = deps;
  const spans = new AttemptSpans(deps.attemptSpanMaxMs);

  return {
    async jobState(jobId): Promise<JobState> {
      const job = await getJob(store.driver, jobId);
      if (!job) return { status: 'missing' };
      if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled') return { status: job.status };
      return { status: job.status, runAt: job.runAt, dueInMs: job.runAt - deps.clock.now() };
    },

    async beginAttempt(jobId, token, owner) {
      return store.transact(async (tx) => {
        const outcome = await beginAttempt(tx, {
          jobId,
          leaseOwner: owner,
          leaseToken: token,
          leaseExpiresAt: tx.now + leaseHoldMs,
          workerId: deps.workerId,
          now: tx.now,
        });
        if (!outcome) return null;
        const def = deps.definition(outcome.job.workflow);
        if (outcome.begun) {
          deps.stats.claimed++;
          await engineTopics.emit(tx, 'engine.job.started', {
            jobId,
            workflow: outcome.job.workflow,
            attempt: outcome.job.attempts,
            workerId: deps.workerId,
          });
          await def.hooks?.onStarted?.(tx, outcome.job);
          tx.afterCommit(() => spans.begin(def, outcome.job, token));
        }
        // Only the steps still to run: after a reset (an operator's re-run from a step) the
        // earlier steps keep their checkpoints and are not scheduled again.
        const done = new Set((await loadSteps(tx, jobId)).map((s) => s.step));
        return { steps: def.steps.map((s) => s.name).filter((name) => !done.has(name)), attempt: outcome.job.attempts };
      });
    },

    async runStep(jobId, token, stepName) {
      const job = await getJob(store.driver, jobId);
      if (job?.status !== 'processing' || job.leaseToken !== token) throw leaseLost(jobId);
      const def = deps.definition(job.workflow);
      const stepIndex = def.steps.findIndex((s) => s.name === stepName);
      const step = def.steps[stepIndex];
      if (!step) throw ApplicationFailure.create({ type: 'internal', message: `no step ${stepName}`, nonRetryable: true });
      const finished = await loadSteps(store.driver, jobId);
      if (finished.some((s) => s.step === stepName)) return { skipped: true };
      const outputs: Record<string, unknown> = Object.fromEntries(finished.map((s) => [s.step, s.output]));
      const activity = Context.current();
      const where = spans.forStep(def, job, token, stepName);
      return inSpan(
        stepSpanName(stepName),
        { ...where, isError: (e) => !(e instanceof ApplicationFailure && e.type === failureTypes.waitForSignal) },
        async () => {
          const beat = setInterval(() => activity.heartbeat(), deps.heartbeatEveryMs);
          deps.stats.running++;
          try {
            const startedAt = deps.clock.now();
            const ctx: StepContext<unknown> = {
              job,
              attempt: job.attempts,
              outputs,
              signal: activity.cancellationSignal,
              store,
              now: startedAt,
              async heartbeat(details) {
                activity.heartbeat(details);
                if (activity.cancellationSignal.aborted) throw new AfterwordError('lease_lost', `job ${jobId}: cancelled`);
              },
              waitForSignal(name, until) {
                throw new WaitForSignal(name, until);
              },
            };
            let output: unknown;
            try {
              output = await step.run(ctx);
            } catch (error) {
              throw stepFailure(error, jobId);
            }
            try {
              await store.transact(async (tx) => {
                await assertLease(tx, jobId, token, tx.now);
                const record = await commitStepEffects(tx, step, stepIndex, output, ctx);
                // Another execution of this activity checkpointed the step first: roll ours back.
                if (!(await recordStep(tx, jobId, record))) throw new AlreadyCheckpointed();
                await def.hooks?.onStepCompleted?.(tx, job, record);
              });
            } catch (error) {
              if (error instanceof AlreadyCheckpointed) return { skipped: true };
              throw stepFailure(error, jobId);
            }
            return { skipped: false };
          } finally {
            clearInterval(beat);
            deps.stats.running--;
          }
        },
      );
    },

    async completeJob(jobId, token) {
      await store.transact(async (tx) => {
        const job = await getJob(tx, jobId);
        if (!job) throw leaseLost(jobId);
        if (job.status === 'completed') return;
        if (job.status !== 'processing' || job.leaseToken !== token) throw leaseLost(jobId);
        const def = deps.definition(job.workflow);
        const steps = await loadSteps(tx, jobId);
        const outputs = Object.fromEntries(steps.map((s) => [s.step, s.output]));
        await completeWithHooks(tx, def, job, token, outputs, { setBased: false });
        tx.afterCommit(() => {
          deps.stats.completed++;
          spans.end(token);
        });
      });
    },

    async failAttempt(jobId, token, thrown) {
      return store.transact(async (tx) => {
        const job = await getJob(tx, jobId);
        if (!job) return { final: true };
        if (job.status !== 'processing' || job.leaseToken !== token) return { final: terminalStatuses.includes(job.status) };
        const def = deps.definition(job.workflow);
        const exhausted = job.attempts >= job.maxAttempts;
        const final = !thrown.retryable || exhausted;
        const error: JobError = {
          message: thrown.message,
          code: exhausted && thrown.retryable ? 'attempts_exhausted' : thrown.code,
          retryable: thrown.retryable,
          ...(exhausted && thrown.retryable ? { cause: thrown.code } : {}),
          ...(thrown.details ? { details: thrown.details } : {}),
        };
        const { settings } = deps;
        const retryAt = final
          ? null
          : tx.now +
            backoffDelay(
              job.attempts,
              def.backoff?.baseMs ?? settings.backoffBaseMs,
              def.backoff?.maxMs ?? settings.backoffMaxMs,
              deps.random,
            );
        const failed = await failJob(tx, jobId, token, error, retryAt, tx.now);
        await engineTopics.emit(tx, final ? 'engine.job.failed' : 'engine.job.retrying', {
          jobId,
          workflow: job.workflow,
          attempts: failed.attempts,
          error,
          retryAt,
        });
        await def.hooks?.onFailed?.(tx, failed, error, final, retryAt);
        tx.afterCommit(() => {
          if (final) deps.stats.failed++;
          else deps.stats.retried++;
          spans.end(token, error);
        });
        deps.logger.warn({ jobId, attempt: job.attempts, final, error }, 'job attempt failed');
        return { final };
      });
    },

    async parkJob(jobId, token, signal, until, since) {
      try {
        await store.transact(async (tx) => {
          const waiting = await parkJob(tx, { jobId, leaseToken: token, signal, until, since, now: tx.now });
          await engineTopics.emit(tx, 'engine.job.waiting', {
            jobId,
            workflow: waiting.workflow,
            signal,
            until,
            dueAt: waiting.runAt,
          });
        });
        spans.end(token);
      } catch (error) {
        if (!(error instanceof AfterwordError && error.code === 'lease_lost')) throw error;
      }
    },

    async checkSla(jobId) {
      return store.transact(async (tx) => {
        const job = await getJob(tx, jobId);
        if (!job || terminalStatuses.includes(job.status) || job.slaMs === null) return { recheckInMs: null };
        const lateByMs = tx.now - (job.startedAt ?? job.enqueuedAt) - job.slaMs;
        if (lateByMs <= 0) return { recheckInMs: 1 - lateByMs };
        const late = await takeLateJob(tx, jobId, tx.now);
        if (late) await deps.definition(late.workflow).hooks?.onSlaExceeded?.(tx, late, lateByMs, true);
        return { recheckInMs: null };
      });
    },
  };
}
