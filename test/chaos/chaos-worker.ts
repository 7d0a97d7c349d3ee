/**
 * A worker process for the chaos test: opens the PostgreSQL store named by its environment,
 * registers the `chaos` workflow and runs a worker until SIGTERM (or until the test SIGKILLs it).
 * It uses the engine directly, not the `afterword worker` CLI, so the test depends only on the
 * engine and the store.
 *
 * Environment: CHAOS_DATABASE_URL, CHAOS_SCHEMA, CHAOS_WORKER_ID.
 */
import { randomIds, systemClock } from '../../src/clock.js';
import { DurableEngine } from '../../src/engine/engine.js';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import { createOutboxStore } from '../../src/telemetry/outbox.js';
import { EventBus } from '../../src/telemetry/event-bus.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { chaosWorkflow } from './chaos-workflow.js';

async function main(): Promise<void> {
  const url = process.env.CHAOS_DATABASE_URL as string;
  const schema = process.env.CHAOS_SCHEMA as string;
  const workerId = process.env.CHAOS_WORKER_ID ?? `chaos-${process.pid}`;
  const logger = createLogger(process.env.CHAOS_LOG_LEVEL ?? 'error', { workerId });
  // Started while the database restarts? Wait for it, as a supervisor restarting us would.
  let driver: Awaited<ReturnType<typeof PostgresDriver.connect>> | undefined;
  while (!driver) {
    try {
      driver = await PostgresDriver.connect({ url, schema, poolSize: 6 });
    } catch (error) {
      logger.warn({ err: error }, 'database not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const bus = new EventBus(logger);
  const store = createOutboxStore(driver, schema, { bus, clock: systemClock, ids: randomIds, origin: workerId });
  const engine = new DurableEngine({
    store,
    logger,
    clock: systemClock,
    ids: randomIds,
    settings: {
      leaseMs: 2_000,
      heartbeatMs: 400,
      pollIntervalMs: 200,
      claimBatchSize: 16,
      maxAttempts: 100,
      backoffBaseMs: 50,
      backoffMaxMs: 500,
      drainTimeoutMs: 2_000,
      watchdogIntervalMs: 60_000,
    },
  }).register(chaosWorkflow());
  let worker = engine.createWorker({ workerId: `${workerId}-${process.pid}`, concurrency: 16, watchdog: false });
  for (;;) {
    try {
      await worker.start();
      break;
    } catch (error) {
      // A failed start leaves the Worker marked started, so build a fresh one for the next try.
      worker = engine.createWorker({ workerId: `${workerId}-${process.pid}`, concurrency: 16, watchdog: false });
      // The database may be restarting: keep trying.
      logger.warn({ err: error }, 'worker start failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void worker
      .stop()
      .then(() => driver.close())
      .then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
