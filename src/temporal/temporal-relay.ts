import { context } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
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
  type TemporalOutboxRow,
  takeOutboxRows,
} from './temporal-outbox-store.js';
import { temporalAlerts } from './temporal-topics.js';
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
 * is success), restarts them after an operator retry or re-run, wakes and cancels them. A row is
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
            await this.send(row);
            await deleteOutboxRow(store.driver, row.id);
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

  private async send(row: TemporalOutboxRow): Promise<void> {
    const client = await this.deps.client();
    const { config, activitySettings } = this.deps;
    if (row.kind === 'start' || row.kind === 'restart') {
      const job = await getJob(this.deps.store.driver, row.jobId);
      if (!job) return;
      try {
        // In the job's trace (the close's span, from its payload): the client interceptor's
        // StartWorkflow span is its child when tracing is on; nothing happens when it is off.
        await context.with(contextOf(this.deps.traceParent?.(job)), () =>
          client.workflow.start(jobWorkflowType, {
            workflowId: row.jobId,
            taskQueue: config.taskQueue,
            args: [{ jobId: row.jobId, slaMs: job.slaMs }, activitySettings],
            workflowIdConflictPolicy: row.kind === 'restart' ? 'TERMINATE_EXISTING' : 'FAIL',
            workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          }),
        );
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return;
        throw error;
      }
      return;
    }
    const handle = client.workflow.getHandle(row.jobId);
    try {
      if (row.kind === 'wake') await handle.signal(wakeSignalName);
      else await handle.cancel();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return;
      throw error;
    }
  }
}
