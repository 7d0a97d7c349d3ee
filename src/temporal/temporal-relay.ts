import { createHash } from 'node:crypto';
import { context } from '@opentelemetry/api';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { Clock } from '../clock.js';
import type { AfterwordConfig } from '../config.js';
import { getJob } from '../engine/sql/get-job.js';
import type { Job } from '../engine/types.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import { contextOf } from '../telemetry/tracing.js';
import type { Tx } from '../telemetry/outbox.js';
import {
  deleteOutboxRow,
  outboxBacklog,
  releaseOutboxRow,
  type ResetDetail,
  type TemporalOutboxRow,
  takeOutboxRows,
} from './temporal-outbox-store.js';
import { temporalAlerts, temporalTopics } from './temporal-topics.js';
import { type ActivitySettings, jobWorkflowType, wakeSignalName } from './workflow-contract.js';

type TemporalConfig = AfterwordConfig['temporal'];

/** gRPC status codes that say "this will never succeed as sent": drop the row (logged). */
const permanentCodes = new Set([3, 5, 6, 9]);

function grpcCode(error: unknown): number | null {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'number') return e.code;
  }
  return null;
}

/**
 * Sends the temporal_outbox to Temporal: starts workflows (workflow id = job id; already started
 * is success), restarts them after an operator retry, resets them after an operator re-run from a
 * step (recorded as `temporal.job.rerun`), wakes and cancels them. A row is
 * deleted only after Temporal accepted it, so a crash between the two sends it again, which is
 * harmless. While Temporal is unreachable rows stay and are retried with exponential back-off;
 * once the oldest has waited `alertAfterMs`, `offline.enqueue_failed` is raised (once per outage).
 * Woken right after a commit that wrote a row (`poke`), and at the poll interval otherwise.
 */
export class TemporalRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private failures = 0;
  private alerted = false;

  constructor(
    private readonly deps: {
      store: Store<Tx>;
      client: () => Promise<Client>;
      logger: Logger;
      clock: Clock;
      config: TemporalConfig;
      activitySettings: ActivitySettings;
      /** The job's trace parent (a W3C traceparent from its workflow's `trace` hook), if any. */
      traceParent?: (job: Job) => string | undefined;
    },
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.poke();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Send now (after a commit that wrote rows). */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.poke();
        return;
      }
      const { relay } = this.deps.config;
      const delay =
        this.failures === 0 ? relay.pollIntervalMs : Math.min(relay.backoffMaxMs, relay.backoffBaseMs * 2 ** (this.failures - 1));
      this.timer = setTimeout(() => this.poke(), delay);
      this.timer.unref?.();
    });
  }

  /** Send every row due now; resolves when the backlog is empty or Temporal refused (tests, shutdown). */
  async flush(): Promise<void> {
    await this.running;
    await this.drain();
  }

  private async drain(): Promise<void> {
    const { store, clock, logger } = this.deps;
    try {
      for (;;) {
        const rows = await takeOutboxRows(store.driver, clock.now(), 30_000, 64);
        if (rows.length === 0) break;
        for (const row of rows) {
          try {
            const record = await this.send(row);
            // What the row did is recorded with its deletion: a crash before this sends it again.
            if (record) {
              await store.transact(async (tx) => {
                await record(tx);
                await deleteOutboxRow(tx, row.id);
              });
            } else {
              await deleteOutboxRow(store.driver, row.id);
            }
            if (this.failures > 0) logger.info({ after: this.failures }, 'Temporal reachable again; relay resumed');
            this.failures = 0;
          } catch (error) {
            const code = grpcCode(error);
            if (code !== null && permanentCodes.has(code)) {
              logger.error({ err: error, row }, 'Temporal refused an outbox row for good; dropped');
              await deleteOutboxRow(store.driver, row.id);
              continue;
            }
            this.failures++;
            const { relay } = this.deps.config;
            const retryAt = clock.now() + Math.min(relay.backoffMaxMs, relay.backoffBaseMs * 2 ** (this.failures - 1));
            // Give back this row and the rest of the batch: Temporal is unreachable, order is kept.
            for (const rest of rows.slice(rows.indexOf(row))) {
              await releaseOutboxRow(store.driver, rest.id, retryAt, (error as Error).message ?? String(error));
            }
            await this.alertIfLate(error);
            return;
          }
        }
      }
      const backlog = await outboxBacklog(store.driver);
      if (backlog.pending === 0) this.alerted = false;
    } catch (error) {
      logger.error({ err: error }, 'temporal relay: reading the outbox failed; will retry');
    }
  }

  private async alertIfLate(error: unknown): Promise<void> {
    const { store, clock, config, logger } = this.deps;
    const backlog = await outboxBacklog(store.driver);
    logger.warn({ err: error, pending: backlog.pending }, 'Temporal unreachable; workflow starts wait in the outbox');
    if (this.alerted || backlog.oldestAt === null) return;
    const waitedMs = clock.now() - backlog.oldestAt;
    if (waitedMs < config.relay.alertAfterMs) return;
    this.alerted = true;
    await store.transact((tx) =>
      temporalAlerts.raise(tx, 'offline.enqueue_failed', {
        data: {
          engine: 'temporal',
          address: config.address,
          pending: backlog.pending,
          waitedMs,
          message: (error as Error).message ?? String(error),
        },
      }),
    );
  }

  /** Send a row; what it returns (if anything) is recorded in the transaction that deletes the row. */
  private async send(row: TemporalOutboxRow): Promise<((tx: Tx) => Promise<void>) | undefined> {
    const client = await this.deps.client();
    if (row.kind === 'start' || row.kind === 'restart') {
      await this.startRun(client, row.jobId, row.kind === 'restart');
      return undefined;
    }
    if (row.kind === 'reset') {
      const detail = row.detail as Partial<ResetDetail> | null;
      if (typeof detail?.step !== 'string' || typeof detail.actor !== 'string') {
        this.deps.logger.error({ row }, 'temporal relay: a reset row without its step and actor; dropped');
        return undefined;
      }
      const outcome = await this.reset(client, row, { step: detail.step, actor: detail.actor });
      return async (tx) => {
        await temporalTopics.emit(tx, 'temporal.job.rerun', {
          jobId: row.jobId,
          fromStep: detail.step,
          actor: detail.actor,
          ...outcome,
        });
      };
    }
    const handle = client.workflow.getHandle(row.jobId);
    try {
      if (row.kind === 'wake') await handle.signal(wakeSignalName);
      else await handle.cancel();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
    return undefined;
  }

  /** Start the job's workflow (`replace`: end a run still there); the new run's id, null when the job is gone. */
  private async startRun(client: Client, jobId: string, replace: boolean, memo?: Record<string, string>): Promise<string | null> {
    const { config, activitySettings } = this.deps;
    const job = await getJob(this.deps.store.driver, jobId);
    if (!job) return null;
    try {
      // In the job's trace (the close's span, from its payload): the client interceptor's
      // StartWorkflow span is its child when tracing is on; nothing happens when it is off.
      const handle = await context.with(contextOf(this.deps.traceParent?.(job)), () =>
        client.workflow.start(jobWorkflowType, {
          workflowId: jobId,
          taskQueue: config.taskQueue,
          args: [{ jobId, slaMs: job.slaMs }, activitySettings],
          workflowIdConflictPolicy: replace ? 'TERMINATE_EXISTING' : 'FAIL',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          ...(memo ? { memo } : {}),
        }),
      );
      return handle.firstExecutionRunId;
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return null;
      throw error;
    }
  }

  /**
   * An operator's re-run from `step`: reset the job's latest run to the WorkflowTaskCompleted
   * event just before the step's first `runStep` activity was scheduled. The new run replays the
   * history up to there (the earlier steps stay done) and runs the step again; its checkpoint and
   * the later ones were discarded in the re-run's transaction, so they run again too. The request
   * id is fixed per outbox row and named in the reset's reason, which Temporal keeps in the new
   * run's history: a row sent twice (a relay that died before deleting it) finds its reset done
   * and resets nothing (`repeated`). A new run (as a retry starts) when the history is gone, the
   * step was never scheduled, or Temporal refuses the reset. Unreachable Temporal throws: the row
   * is retried.
   */
  private async reset(client: Client, row: TemporalOutboxRow, detail: ResetDetail): Promise<RerunOutcome> {
    const requestId = resetRequestId(row);
    // A new run carries the row's request id in its memo, as a reset carries it in its reason:
    // a row sent again finds the run it started and starts none (a relay that died before the delete).
    const newRun = async (reason: string): Promise<RerunOutcome> => ({
      mode: 'new_run',
      runId: await this.startRun(client, row.jobId, true, { [rerunMemo.request]: requestId, [rerunMemo.reason]: reason }),
      reason,
    });
    let runId: string;
    let history: History;
    try {
      const description = await client.workflow.getHandle(row.jobId).describe();
      runId = description.runId;
      if (description.memo?.[rerunMemo.request] === requestId) {
        return { mode: 'new_run', runId, reason: String(description.memo[rerunMemo.reason] ?? ''), repeated: true };
      }
      history = await client.workflow.getHandle(row.jobId, runId).fetchHistory();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError || grpcCode(error) === 5) return newRun('history_not_found');
      throw error;
    }
    const point = resetPoint(history, detail.step);
    const reason = `afterword rerun from ${detail.step} by ${detail.actor} (request ${requestId})`;
    // This row's reset was done already (the relay stopped before deleting the row): the current
    // run is the one it created. Temporal does not deduplicate a reset of the run a reset created.
    if (resetBy(history, reason)) {
      return { mode: 'reset', runId, resetEventId: point === null ? null : eventNumber(point), repeated: true };
    }
    if (point === null) return newRun('step_not_scheduled');
    try {
      const response = await client.workflowService.resetWorkflowExecution({
        namespace: this.deps.config.namespace,
        workflowExecution: { workflowId: row.jobId, runId },
        reason,
        workflowTaskFinishEventId: point,
        requestId,
      });
      return { mode: 'reset', runId: response.runId ?? null, resetEventId: eventNumber(point) };
    } catch (error) {
      const code = grpcCode(error);
      if (code !== null && refusedResetCodes.has(code)) {
        return newRun(`reset_refused: ${(error as Error).message ?? String(error)}`.slice(0, 500));
      }
      throw error;
    }
  }
}

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type EventId = NonNullable<NonNullable<History['events']>[number]['eventId']>;

type RerunOutcome =
  | { mode: 'reset'; runId: string | null; resetEventId: number | null; repeated?: true }
  | { mode: 'new_run'; runId: string | null; reason: string; repeated?: true };

/** Memo keys of a run a re-run started (the fallback to a new run): which outbox row, and why. */
const rerunMemo = { request: 'afterwordRerunRequest', reason: 'afterwordRerunReason' } as const;

/** gRPC codes for "this reset will not be done" (bad event, no such run, precondition): start a new run. */
const refusedResetCodes = new Set([3, 5, 9, 12]);

function eventNumber(id: EventId | number): number {
  return typeof id === 'number' ? id : Number(id.toString());
}

/**
 * The WorkflowTaskCompleted event just before the first `runStep` activity for `step` was
 * scheduled (the workflow task that decided to run it), or null when it never was.
 */
function resetPoint(history: History, step: string): EventId | null {
  let lastCompleted: EventId | null = null;
  for (const event of history.events ?? []) {
    if (event.workflowTaskCompletedEventAttributes && event.eventId) {
      lastCompleted = event.eventId;
      continue;
    }
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'runStep') continue;
    const payload = scheduled.input?.payloads?.[2];
    const name = payload ? defaultPayloadConverter.fromPayload<unknown>(payload) : undefined;
    if (name === step) return lastCompleted;
  }
  return null;
}

/** Whether the run was created by the reset given `reason` (its history's reset marker carries the reason). */
function resetBy(history: History, reason: string): boolean {
  return (history.events ?? []).some((event) => {
    const failed = event.workflowTaskFailedEventAttributes;
    return Boolean(failed?.newRunId) && failed?.failure?.message === reason;
  });
}

/** The reset's request id: one per outbox row (a UUID from the row's identity), so a resend is deduplicated. */
function resetRequestId(row: TemporalOutboxRow): string {
  const hex = createHash('sha256').update(`afterword.reset:${row.jobId}:${row.id}:${row.createdAt}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
