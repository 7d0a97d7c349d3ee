import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { type Clock, type IdSource, randomIds, systemClock } from './clock.js';
import type { AfterwordConfig } from './config.js';
import { latestSummary, listMentions, pageMentions } from './canon/summary-store.js';
import { decodeCursor, encodeCursor, pageSize } from './cursors.js';
import { fullTextSearchIndex, type SearchIndex } from './canon/search-index.js';
import { WorldCatalog } from './canon/world-catalog.js';
import type { Summariser } from './domain/index.js';
import { DurableEngine } from './engine/engine.js';
import type { WorkflowEngine } from './engine/workflow-engine.js';
import { AfterwordError } from './errors.js';
import { SessionMemory } from './sessions/session-memory.js';
import { validateSessionId } from './sessions/session-input.js';
import { AddressPolicy, type HostLookup } from './delivery/address-policy.js';
import { AlertService } from './services/alert-service.js';
import { WebhookService } from './services/webhook-service.js';
import { ModerationService } from './services/moderation-service.js';
import { PublishingService } from './services/publishing-service.js';
import { type PruneReport, RetentionService } from './services/retention-service.js';
import { pendingMigrations } from './store/migrate.js';
import { openStore, type Store } from './store/store.js';
import { EventBus, type EventFilter } from './telemetry/event-bus.js';
import { EventRelay } from './telemetry/event-relay.js';
import { eventsAfter, latestEventId } from './telemetry/event-store.js';
import { logEvents } from './telemetry/event-log.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { startTracing } from './telemetry/tracing.js';
import { createMetrics } from './telemetry/metrics.js';
import { Outbox, type Tx } from './telemetry/outbox.js';
import type { StoredEvent } from './telemetry/topics.js';
import { closureWorkflowName } from './workflow/closure-payload.js';
import { closureWorkflow } from './workflow/closure-workflow.js';
import { ClosureWorkflowOrchestrator } from './workflow/closure-workflow-orchestrator.js';
import { ClosureRunHistory } from './workflow/closure-run-history.js';
import { batchWorkflow, batchWorkflowName, digestWorkflow, digestWorkflowName } from './workflow/publishing-workflows.js';
import { moderationDeadlineWorkflow, moderationDeadlineWorkflowName } from './workflow/moderation-deadlines.js';
import { SessionClosureCoordinator } from './workflow/session-closure-coordinator.js';
import { WebhookDispatcher } from './workflow/webhook-dispatcher.js';
import { webhookDeliveryWorkflow, webhookDeliveryWorkflowName } from './workflow/webhook-delivery-workflow.js';

export interface AfterwordOptions {
  logger?: Logger;
  clock?: Clock;
  ids?: IdSource;
  summariser?: Summariser;
  /** The search index adapter (default: the store's full-text index, `canon/search-index.ts`). */
  searchIndex?: SearchIndex;
  /** Jitter source for retry back-off. */
  random?: () => number;
  /** How webhook hosts resolve (default: the system resolver); a fault hook for DNS-rebinding tests. */
  dnsLookup?: HostLookup;
}

export interface Afterword {
  readonly config: AfterwordConfig;
  readonly store: Store<Tx>;
  readonly bus: EventBus;
  /** Alias of `bus`, for the HTTP layer's SSE stream. */
  readonly events: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly metrics: Registry;
  readonly engine: WorkflowEngine;
  readonly sessions: SessionMemory;
  readonly coordinator: SessionClosureCoordinator;
  readonly world: WorldCatalog;
  readonly moderation: ModerationService;
  readonly publishing: PublishingService;
  readonly alerts: AlertService;
  readonly retention: RetentionService;
  readonly searchIndex: SearchIndex;
  readonly webhooks: WebhookService;
  readonly artefacts: {
    summary(sessionId: string, version?: number): Promise<unknown>;
    mentions(sessionId: string): Promise<unknown[]>;
    /** A page of the session's mentions in extraction order (cursor pagination). */
    mentionPage(
      sessionId: string,
      query: { limit?: number | undefined; cursor?: string | undefined },
    ): Promise<{ items: unknown[]; nextCursor: string | null }>;
  };
  readonly lore: {
    search(query: unknown, limit?: number): ReturnType<PublishingService['search']>;
    searchPage(
      query: unknown,
      options: { limit?: number | undefined; cursor?: string | undefined },
    ): ReturnType<PublishingService['searchPage']>;
  };
  orchestrator: ClosureWorkflowOrchestrator | null;
  eventsSince(lastId: number, filter?: EventFilter, limit?: number): Promise<StoredEvent[]>;
  latestEventId(): Promise<number>;
  /** Delete history past its retention (`retention.*`): `afterword prune`; the workers do it too. */
  prune(): Promise<PruneReport>;
  readiness(): Promise<{
    ready: boolean;
    storeReachable: boolean;
    migrationsApplied: boolean;
    workersRunning: boolean;
    pendingMigrations: string[];
  }>;
  /** Start `concurrency` in-process workers (refused on SQLite if another process works on the file). */
  startWorkers(concurrency?: number): Promise<ClosureWorkflowOrchestrator>;
  /** Drain workers, release leases, close the store. Idempotent. */
  stop(): Promise<void>;
}

/** The composition root: wires store, engine, workflows, services and telemetry from one config. */
export async function createAfterword(config: AfterwordConfig, options: AfterwordOptions = {}): Promise<Afterword> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // Off unless an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT): then every closure is one trace.
  const tracing = config.tracing.otlpEndpoint
    ? await startTracing({ endpoint: config.tracing.otlpEndpoint, serviceName: config.tracing.serviceName })
    : null;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const bus = new EventBus(logger);
  const origin = `${hostname()}:${process.pid}:${ids.uuid().slice(0, 8)}`;
  // The store knows nothing of events: the telemetry outbox extends its transactions with them.
  const store = await openStore(config, (driver) => ({ clock, extend: new Outbox({ bus, driver, ids, origin }).extend }));
  for (const fix of store.driver.permissionFixes ?? []) {
    logger.warn(fix, `tightened the mode of ${fix.path} from ${fix.was} to ${fix.now}: transcripts are private`);
  }
  // The engine behind the port: the built-in one, or Temporal (src/temporal/) when configured.
  const engineDeps = {
    store,
    logger,
    clock,
    ids,
    settings: config.engine,
    ...(options.random ? { random: options.random } : {}),
  };
  // The Temporal SDK is loaded only when it is the engine: importing it costs seconds of start-up
  // (measured 7 s against 1.5 s for Fastify on a loaded machine) that the built-in engine never needs.
  const temporalEngine =
    config.engineKind === 'temporal'
      ? new (await import('./temporal/temporal-engine.js')).TemporalEngine({ ...engineDeps, temporal: config.temporal })
      : null;
  const engine: WorkflowEngine = temporalEngine ?? new DurableEngine(engineDeps);
  const world = new WorldCatalog(store, ids);
  engine.register(
    closureWorkflow({
      engine,
      world,
      ids,
      config,
      slaMs: config.closure.slaMs,
      ...(options.summariser ? { summariser: options.summariser } : {}),
    }),
  );
  // The search index behind its port: the store's own full-text index unless another is given.
  const searchIndex = options.searchIndex ?? fullTextSearchIndex(store.driver.capabilities.fullTextSearch, clock);
  const publishingDeps = { searchIndex, cadence: config.cadence, engine };
  engine.register(batchWorkflow(publishingDeps));
  engine.register(digestWorkflow(publishingDeps));
  const addressPolicy = new AddressPolicy(config.webhooks.allowPrivateNetworks, options.dnsLookup);
  engine.register(webhookDeliveryWorkflow({ config, policy: addressPolicy }));
  engine.register(moderationDeadlineWorkflow({ engine, config, ids }));

  const sessions = new SessionMemory(store, config, new ClosureRunHistory(engine, store.driver, config.closure.historyRetention));
  const coordinator = new SessionClosureCoordinator({ store, engine, sessions, bus, config, ids, logger });
  const moderation = new ModerationService({ store, engine, ids, clock });
  const publishing = new PublishingService({ store, engine, config, ids, searchIndex });
  const alerts = new AlertService(store);
  const retention = new RetentionService({ store, engine, config, clock });
  const webhooks = new WebhookService({ store, engine, config, ids, policy: addressPolicy });
  // Where workers run, committed events become webhook deliveries (started with the workers).
  const dispatcher = new WebhookDispatcher({ store, engine, bus, config, ids, logger });
  const metrics = createMetrics(bus, () => engine.countByStatus());
  const stopLogging = logEvents(bus, logger);
  // Events committed by other processes (workers elsewhere, CLI commands) reach this process's
  // bus, so its SSE streams, metrics and dashboard see the whole cluster.
  const relay = new EventRelay({
    driver: store.driver,
    bus,
    origin,
    logger,
    intervalMs: store.driver.capabilities.multipleProcesses ? 1_000 : 500,
  });
  await relay.start();
  // Closures committed while Temporal was away (or by another process) are started from its outbox.
  temporalEngine?.start();
  let stopped = false;
  let inactivityTimer: NodeJS.Timeout | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;

  const app: Afterword = {
    config,
    store,
    bus,
    events: bus,
    logger,
    clock,
    ids,
    metrics,
    engine,
    sessions,
    coordinator,
    world,
    moderation,
    publishing,
    alerts,
    retention,
    searchIndex,
    webhooks,
    orchestrator: null,
    artefacts: {
      async summary(sessionId, version) {
        validateSessionId(sessionId);
        await sessions.summary(sessionId);
        const summary = await latestSummary(store.driver, sessionId, version);
        if (!summary)
          throw new AfterwordError(
            'not_found',
            `session ${sessionId} has no story summary${version ? ` version ${version}` : ''} yet`,
          );
        return summary;
      },
      async mentions(sessionId) {
        validateSessionId(sessionId);
        await sessions.summary(sessionId);
        return listMentions(store.driver, sessionId);
      },
      async mentionPage(sessionId, query) {
        validateSessionId(sessionId);
        await sessions.summary(sessionId);
        const limit = pageSize(query.limit);
        const page = await pageMentions(store.driver, sessionId, decodeCursor('mentions', query.cursor), limit);
        return {
          items: page.items,
          nextCursor: page.items.length === limit && page.last ? encodeCursor('mentions', page.last) : null,
        };
      },
    },
    lore: {
      search: (query, limit) => publishing.search(query, limit),
      searchPage: (query, options) => publishing.searchPage(query, options),
    },

    async eventsSince(lastId, filter = {}, limit = 1000) {
      const events = await eventsAfter(store.driver, lastId, filter, limit);
      return events.filter((e) => !filter.prefixes?.length || filter.prefixes.some((p) => e.topic.startsWith(p)));
    },

    latestEventId: () => latestEventId(store.driver),

    prune: () => retention.prune(),

    async readiness() {
      let storeReachable = false;
      let pending: string[] = [];
      try {
        await store.driver.query('SELECT 1 AS ok');
        storeReachable = true;
        pending = await pendingMigrations(store.driver);
      } catch {
        storeReachable = false;
      }
      const workersRunning = app.orchestrator !== null || config.workers.concurrency === 0;
      const migrationsApplied = storeReachable && pending.length === 0;
      return {
        ready: storeReachable && migrationsApplied && workersRunning,
        storeReachable,
        migrationsApplied,
        workersRunning,
        pendingMigrations: pending,
      };
    },

    async startWorkers(concurrency = config.workers.concurrency) {
      if (app.orchestrator) return app.orchestrator;
      const orchestrator = new ClosureWorkflowOrchestrator(engine, {
        concurrency,
        workflows: [
          closureWorkflowName,
          batchWorkflowName,
          digestWorkflowName,
          webhookDeliveryWorkflowName,
          moderationDeadlineWorkflowName,
        ],
      });
      await orchestrator.start();
      app.orchestrator = orchestrator;
      dispatcher.start();
      // Sessions idle past the threshold are closed with trigger `inactivity` (spec section 2).
      inactivityTimer = setInterval(
        () => {
          coordinator
            .closeInactive(clock.now())
            .catch((error) => logger.error({ err: error }, 'closing inactive sessions failed'));
        },
        Math.min(60_000, config.closure.inactivityMs),
      );
      inactivityTimer.unref();
      // Retention runs where the work runs: every process with workers prunes now and then
      // (batch by batch, so several processes doing it at once only share the work).
      if (config.retention.pruneIntervalMs > 0) {
        pruneTimer = setInterval(() => {
          retention.prune().catch((error) => logger.error({ err: error }, 'pruning history failed'));
        }, config.retention.pruneIntervalMs);
        pruneTimer.unref();
      }
      return orchestrator;
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(inactivityTimer);
      clearInterval(pruneTimer);
      await dispatcher.stop();
      if (app.orchestrator) await app.orchestrator.stop();
      await temporalEngine?.close();
      await relay.stop();
      stopLogging();
      await store.close();
      await tracing?.shutdown();
      logger.flush?.();
    },
  };
  return app;
}
