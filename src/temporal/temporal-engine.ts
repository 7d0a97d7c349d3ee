import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client, Connection } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { Clock, IdSource } from '../clock.js';
import type { AfterwordConfig } from '../config.js';
import { DurableEngine, type EngineSettings } from '../engine/engine.js';
import { countRunnable } from '../engine/sql/count-runnable.js';
import { registerWorker } from '../engine/sql/register-worker.js';
import { reportWorker } from '../engine/sql/report-worker.js';
import {
  type EnqueueRequest,
  type Job,
  type JobQuery,
  type JobStatus,
  terminalStatuses,
  type WorkerRecord,
  type WorkflowDefinition,
} from '../engine/types.js';
import type {
  EngineWorkers,
  EnqueueOutcome,
  JobTimeline,
  StartWorkersOptions,
  WorkflowEngine,
} from '../engine/workflow-engine.js';
import { AfterwordError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import { activeTracing } from '../telemetry/tracing.js';
import type { Tx } from '../telemetry/outbox.js';
import { createActivities } from './activities.js';
import { connectionOptions, webUiLink } from './temporal-connection.js';
import { addOutboxRow, outboxBacklog, type ResetDetail, type TemporalOutboxKind } from './temporal-outbox-store.js';
import { TemporalRelay } from './temporal-relay.js';
import type { ActivitySettings } from './workflow-contract.js';

type TemporalConfig = AfterwordConfig['temporal'];

export interface TemporalEngineDeps {
  store: Store<Tx>;
  logger: Logger;
  clock: Clock;
  ids: IdSource;
  settings: EngineSettings;
  temporal: TemporalConfig;
  random?: () => number;
}

/** The compiled workflow module the worker bundles (webpack, at worker start; works offline). */
export const workflowsPath = fileURLToPath(new URL('./workflows.js', import.meta.url));

let runtimeInstalled = false;

/** The SDK's own logs at warning level and above (its info lines are per state change). Once per process. */
function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
    });
  } catch {
    // Already installed by the embedding process: keep its choice.
  }
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** The OpenTelemetry workflow interceptors module (bundled with the workflows when tracing is on). */
export const workflowInterceptorsPath = fileURLToPath(new URL('./workflow-interceptors.js', import.meta.url));

/** The workflow bundle, built once per process (tests start many workers); `traced` adds the OpenTelemetry interceptors. */
export function workflowBundle(path = workflowsPath, traced = false): Promise<WorkflowBundleWithSourceMap> {
  const key = `${traced ? 'traced:' : ''}${path}`;
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath: path,
      logger: quietBundlerLogger,
      ...(traced ? { workflowInterceptorModules: [workflowInterceptorsPath] } : {}),
    });
    bundles.set(key, bundle);
  }
  return bundle;
}

/** One span processor forwarding to all of the tracer provider's (the workflow sink takes one). */
function allOf(processors: SpanProcessor[]): SpanProcessor {
  if (processors.length === 1) return processors[0] as SpanProcessor;
  return {
    onStart: (span, parent) => {
      for (const p of processors) p.onStart(span, parent);
    },
    onEnd: (span: ReadableSpan) => {
      for (const p of processors) p.onEnd(span);
    },
    forceFlush: async () => {
      await Promise.all(processors.map((p) => p.forceFlush()));
    },
    shutdown: async () => undefined,
  };
}

const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error(message: string, meta?: unknown) {
    console.error(message, meta ?? '');
  },
};

/**
 * The Temporal engine behind the `WorkflowEngine` port (docs/architecture.md, "The Temporal
 * engine"). The store keeps what the built-in engine keeps (job rows, step checkpoints, attempts,
 * events, alerts), so the API, CLI, metrics, topics and dashboard are the same whichever engine
 * runs; Temporal decides when each job runs and retries what fails around a step.
 *
 * - Enqueue writes the job row and a `start` row in the temporal_outbox in the caller's
 *   transaction; the relay starts the workflow (workflow id = job id).
 * - The generic workflow (workflows.ts) runs the definition's steps as activities
 *   (activities.ts): the same step code, each step's effects committed with its checkpoint in one
 *   store transaction, skipped when the checkpoint exists.
 * - Operator actions go through the store as on the built-in engine (same rules, events and
 *   hooks) plus an outbox row: retry starts a new run (`restart`); re-run discards the
 *   checkpoints from its step and resets the workflow to just before that step (`reset`; a new
 *   run when the history cannot be reset); cancel cancels the workflow; reschedule and signal
 *   wake it.
 */
export class TemporalEngine implements WorkflowEngine {
  readonly kind = 'temporal' as const;
  /** The store side: job rows, checkpoints, operator rules. Its workers are never started. */
  private readonly records: DurableEngine;
  private readonly definitions = new Map<string, WorkflowDefinition<any, any>>();
  private connection: Promise<Connection> | null = null;
  private client: Promise<Client> | null = null;
  readonly relay: TemporalRelay;
  readonly activitySettings: ActivitySettings;
  /** Transactions of a re-run: their requeue is sent as the re-run's `reset` row, not a `restart`. */
  /** Jobs a re-run in this transaction resets: their own requeue must not also restart them. */
  private readonly resetting = new WeakMap<Tx, Set<string>>();

  constructor(readonly deps: TemporalEngineDeps) {
    this.records = new DurableEngine({
      store: deps.store,
      logger: deps.logger,
      clock: deps.clock,
      ids: deps.ids,
      settings: deps.settings,
      ...(deps.random ? { random: deps.random } : {}),
    });
    const { activity } = deps.temporal;
    this.activitySettings = {
      dueRecheckMs: deps.temporal.dueRecheckMs,
      startToCloseMs: activity.startToCloseMs,
      heartbeatTimeoutMs: activity.heartbeatTimeoutMs,
      retry: { ...activity.retry },
    };
    this.relay = new TemporalRelay({
      store: deps.store,
      client: () => this.temporalClient(),
      logger: deps.logger,
      clock: deps.clock,
      config: deps.temporal,
      activitySettings: this.activitySettings,
      traceParent: (job) => this.definitions.get(job.workflow)?.trace?.parent(job),
    });
  }

  /** The Temporal client (connected on first use; a failed connect is tried again next time). */
  temporalClient(): Promise<Client> {
    if (!this.client) {
      const connecting = Connection.connect({ ...connectionOptions(this.deps.temporal), connectTimeout: 5_000 });
      this.connection = connecting;
      // With tracing on, starts and signals carry the caller's span (the close's) in their headers.
      const traced = activeTracing() !== null;
      this.client = connecting.then(
        (connection) =>
          new Client({
            connection,
            namespace: this.deps.temporal.namespace,
            ...(traced ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } } : {}),
          }),
      );
      this.client.catch(() => {
        this.client = null;
        this.connection = null;
      });
    }
    return this.client;
  }

  /** Start the outbox relay (the composition root does, in every process that writes jobs). */
  start(): void {
    this.relay.start();
  }

  /** Stop the relay and close the connection to Temporal. */
  async close(): Promise<void> {
    await this.relay.stop();
    const connection = await this.connection?.catch(() => null);
    this.connection = null;
    this.client = null;
    await connection?.close().catch(() => undefined);
  }

  register<P, R extends Record<string, unknown>>(definition: WorkflowDefinition<P, R>): this {
    this.definitions.set(definition.name, definition);
    const hooks = definition.hooks ?? {};
    // Every (re)queue and cancel the store records reaches Temporal through the outbox, in the
    // same transaction: enqueue, operator retry and re-run (`onQueued`), cancel (`onCancelled`).
    this.records.register<P, R>({
      ...definition,
      hooks: {
        ...hooks,
        onRerun: async (tx, job, fromStep, discarded, actor) => {
          await hooks.onRerun?.(tx, job, fromStep, discarded, actor);
          // A re-run reaches Temporal as a reset (its `onQueued` below sends no restart).
          const jobs = this.resetting.get(tx) ?? new Set<string>();
          jobs.add(job.jobId);
          this.resetting.set(tx, jobs);
          await this.send(tx, 'reset', job.jobId, { step: fromStep, actor } satisfies ResetDetail);
        },
        onQueued: async (tx, job) => {
          await hooks.onQueued?.(tx, job);
          // Only the re-run job itself: another job its hooks enqueue in this transaction still starts.
          if (this.resetting.get(tx)?.has(job.jobId)) return;
          await this.send(tx, job.startedAt === null ? 'start' : 'restart', job.jobId);
        },
        onCancelled: async (tx, job) => {
          await hooks.onCancelled?.(tx, job);
          await this.send(tx, 'cancel', job.jobId);
        },
      },
    });
    return this;
  }

  private async send(
    tx: Tx,
    kind: TemporalOutboxKind,
    jobId: string,
    detail: Record<string, unknown> | null = null,
  ): Promise<void> {
    await addOutboxRow(tx, kind, jobId, tx.now, detail);
    tx.afterCommit(() => this.relay.poke());
  }

  private definition(name: string): WorkflowDefinition<any, any> {
    const def = this.definitions.get(name);
    if (!def) throw new AfterwordError('internal', `no workflow named ${name} is registered`);
    return def;
  }

  enqueue<P>(tx: Tx, request: EnqueueRequest<P>): Promise<EnqueueOutcome<P>> {
    return this.records.enqueue(tx, request);
  }

  enqueueNow<P>(request: EnqueueRequest<P>): Promise<EnqueueOutcome<P>> {
    return this.records.enqueueNow(request);
  }

  getJob(jobId: string, tx?: Tx): Promise<Job | null> {
    return this.records.getJob(jobId, tx);
  }

  requireJob(jobId: string): Promise<Job> {
    return this.records.requireJob(jobId);
  }

  listJobs(query: JobQuery, tx?: Tx): Promise<Job[]> {
    return this.records.listJobs(query, tx);
  }

  countByStatus(workflow?: string): Promise<Record<JobStatus, number>> {
    return this.records.countByStatus(workflow);
  }

  /** The store's timeline, with a link to the job's workflow in the Temporal Web UI when `temporal.webUiUrl` is set. */
  async timeline(jobId: string): Promise<JobTimeline> {
    const timeline = await this.records.timeline(jobId);
    const link = webUiLink(this.deps.temporal, jobId);
    return link ? { ...timeline, links: { temporal: link } } : timeline;
  }

  /** The job records live in the store on this engine too: retention prunes them the same way. */
  pruneFinished(before: number, limit: number): Promise<{ jobs: number; steps: number; attempts: number }> {
    return this.records.pruneFinished(before, limit);
  }

  listWorkers(options?: { all?: boolean }): Promise<WorkerRecord[]> {
    return this.records.listWorkers(options);
  }

  cancel(jobId: string, actor = 'operator'): Promise<Job> {
    return this.records.cancel(jobId, actor);
  }

  retry(jobId: string, actor = 'operator'): Promise<Job> {
    return this.records.retry(jobId, actor);
  }

  /**
   * Re-run from a step: the checkpoints from that step on are discarded in the store (with the
   * workflow's `onRerun` clean-up, recorded as `engine.job.rerun`) and, in the same transaction,
   * a `reset` outbox row: the relay resets the job's workflow to the WorkflowTaskCompleted event
   * before that step's first `runStep` activity, so the new run keeps the earlier steps' history
   * and runs that step and the later ones again (temporal-relay.ts). When the history is gone,
   * the step was never scheduled, or Temporal refuses the reset, a new run starts instead; either
   * way `temporal.job.rerun` records which.
   */
  rerunFrom(jobId: string, step: string, actor = 'operator'): Promise<Job> {
    return this.records.rerunFrom(jobId, step, actor);
  }

  async reschedule(tx: Tx, jobId: string, runAt: number, actor: string): Promise<Job> {
    const job = await this.records.reschedule(tx, jobId, runAt, actor);
    await this.send(tx, 'wake', jobId);
    return job;
  }

  async signal(tx: Tx, jobId: string, name: string, payload: Record<string, unknown> = {}): Promise<void> {
    await this.records.signal(tx, jobId, name, payload);
    const job = await this.records.getJob(jobId, tx);
    if (job && !terminalStatuses.includes(job.status)) await this.send(tx, 'wake', jobId);
  }

  /**
   * Start a Temporal worker in this process on the configured task queue: it polls Temporal for
   * workflow and activity tasks of the registered workflows (concurrency: activities at once).
   */
  async startWorkers(options: StartWorkersOptions): Promise<EngineWorkers> {
    const { store, logger, clock, ids, temporal } = this.deps;
    const workerId = options.workerId ?? `temporal-${process.pid}-${ids.uuid().slice(0, 8)}`;
    const stats = { running: 0, claimed: 0, completed: 0, failed: 0, retried: 0 };
    const workflows = options.workflows ? [...options.workflows] : [...this.definitions.keys()];
    const activities = createActivities({
      store,
      clock,
      ids,
      logger,
      settings: this.deps.settings,
      random: this.deps.random ?? Math.random,
      workerId,
      heartbeatEveryMs: Math.max(100, Math.floor(temporal.activity.heartbeatTimeoutMs / 3)),
      attemptSpanMaxMs: temporal.activity.startToCloseMs,
      definition: (name) => this.definition(name),
      stats,
    });
    installRuntime();
    // Tracing on: @temporalio/interceptors-opentelemetry's workflow and activity interceptors, the
    // workflow sandbox's spans exported through this process's tracer provider (the sink).
    const tracing = activeTracing();
    const [bundle, connection] = await Promise.all([
      workflowBundle(workflowsPath, tracing !== null),
      NativeConnection.connect(connectionOptions(temporal)),
    ]);
    const worker = await Worker.create({
      ...(tracing
        ? {
            interceptors: {
              activity: [
                (ctx) => ({
                  inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
                  outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
                }),
              ],
            },
            sinks: {
              exporter: makeWorkflowExporter(
                allOf(tracing.spanProcessors),
                new Resource({ 'service.name': tracing.serviceName }),
              ),
            },
          }
        : {}),
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      workflowBundle: bundle,
      activities,
      identity: workerId,
      maxConcurrentActivityTaskExecutions: Math.max(1, options.concurrency),
      shutdownGraceTime: this.deps.settings.drainTimeoutMs,
    });
    await registerWorker(
      store.driver,
      { workerId, hostname: hostname(), pid: process.pid, concurrency: options.concurrency },
      clock.now(),
    );
    const heartbeat = setInterval(() => {
      reportWorker(store.driver, workerId, stats, clock.now()).catch(() => undefined);
    }, this.deps.settings.heartbeatMs);
    heartbeat.unref();
    const running = worker.run();
    running.catch((error) => logger.error({ err: error }, 'Temporal worker stopped with an error'));
    logger.info({ workerId, taskQueue: temporal.taskQueue, namespace: temporal.namespace }, 'Temporal worker started');
    this.relay.start();
    let stopped: Promise<{ drained: number; released: number }> | undefined;
    const isIdle = async () => {
      const [runnable, backlog] = await Promise.all([
        countRunnable(store.driver, workflows, clock.now()),
        outboxBacklog(store.driver),
      ]);
      return runnable === 0 && backlog.pending === 0;
    };
    return {
      // Temporal drains: running activities get `shutdownGraceTime` (engine.drainTimeoutMs), then
      // are cancelled; their jobs' workflows go on in another worker. Nothing to release.
      stop: () => {
        stopped ??= (async () => {
          clearInterval(heartbeat);
          const busy = stats.running;
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running.catch(() => undefined);
          await connection.close().catch(() => undefined);
          await reportWorker(store.driver, workerId, { ...stats, running: 0 }, clock.now(), true).catch(() => undefined);
          return { drained: busy, released: 0 };
        })();
        return stopped;
      },
      run: async (jobId) => {
        const job = await this.requireJob(jobId);
        if (terminalStatuses.includes(job.status)) {
          throw new AfterwordError('job_terminal', `job ${jobId} is ${job.status}; terminal jobs never restart except by retry`);
        }
        return poll(async () => {
          const current = await this.requireJob(jobId);
          return terminalStatuses.includes(current.status) ? current : null;
        });
      },
      untilIdle: async () => {
        await poll(async () => ((await isIdle()) ? true : null));
      },
      stats: () => ({ ...stats }),
    };
  }
}

/** Poll `probe` until it returns a value (engines without an in-process wake-up: Temporal). */
async function poll<T>(probe: () => Promise<T | null>): Promise<T> {
  for (let delay = 10; ; delay = Math.min(delay * 2, 100)) {
    const value = await probe();
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
