import { randomIds, systemClock } from '../../src/clock.js';
import { DurableEngine, type EngineSettings } from '../../src/engine/engine.js';
import type { Worker } from '../../src/engine/worker.js';
import { migrate } from '../../src/store/migrate.js';
import { readInt } from '../../src/store/ports.js';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import type { Store } from '../../src/store/store.js';
import { createOutboxStore, type Tx } from '../../src/telemetry/outbox.js';
import { EventBus } from '../../src/telemetry/event-bus.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import type { BenchConfig, BenchQueue } from './types.js';

let instances = 0;

interface Opened {
  store: Store<Tx>;
  engine: DurableEngine;
  bus: EventBus;
}

/**
 * Afterword's durable engine on PostgreSQL: one worker with the shared concurrency, claims of up
 * to `concurrency` jobs at once (FOR UPDATE SKIP LOCKED), group-committed completions, LISTEN/NOTIFY
 * wake-ups (the enqueuer is a separate engine on its own pool, so wake-ups go through NOTIFY, as
 * they would from another process), poll interval 1000 ms as the fallback only. The no-op workflow
 * has one step, so each job writes a checkpoint, its completion, its attempt and its events.
 */
export function afterwordQueue(config: BenchConfig): BenchQueue {
  // A schema per instance: a previous instance still winding down never touches this one's jobs.
  const schema = `bench_afterword_${process.pid}_${++instances}`;
  const settings: EngineSettings = {
    leaseMs: 30_000,
    heartbeatMs: 5_000,
    pollIntervalMs: 1_000,
    claimBatchSize: config.concurrency,
    maxAttempts: 5,
    backoffBaseMs: 1_000,
    backoffMaxMs: 60_000,
    drainTimeoutMs: 5_000,
    watchdogIntervalMs: 60_000,
  };
  let onStartHook: (tag: number) => void = () => undefined;
  const open = async (origin: string, poolSize: number): Promise<Opened> => {
    const driver = await PostgresDriver.connect({ url: config.url, schema, poolSize });
    const bus = new EventBus(silentLogger());
    const store = createOutboxStore(driver, schema, { bus, clock: systemClock, ids: randomIds, origin });
    const engine = new DurableEngine({ store, logger: silentLogger(), clock: systemClock, ids: randomIds, settings }).register({
      name: 'noop',
      steps: [
        {
          name: 'noop',
          run: (ctx) => {
            onStartHook((ctx.job.payload as { tag: number }).tag);
            return null;
          },
        },
      ],
      result: () => ({}),
    });
    return { store, engine, bus };
  };
  let producer: Opened | undefined;
  let consumer: Opened | undefined;
  let worker: Worker | undefined;
  return {
    name: 'Afterword',
    settings: `1 worker, concurrency ${config.concurrency}, claimBatchSize ${config.concurrency}, pool ${config.concurrency + 2}, LISTEN/NOTIFY, pollIntervalMs 1000, one-step no-op workflow`,
    async setup() {
      const admin = await PostgresDriver.connect({ url: config.url, schema: 'public', poolSize: 1 });
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
      producer = await open('bench-producer', 2);
      await migrate(producer.store.driver);
      consumer = await open('bench-worker', config.concurrency + 2);
    },
    async enqueueBulk(n) {
      const p = producer as Opened;
      for (let i = 0; i < n; i += 1000) {
        await p.store.transact(async (tx) => {
          for (let j = i; j < Math.min(n, i + 1000); j++) await p.engine.enqueue(tx, { workflow: 'noop', payload: { tag: -1 } });
        });
      }
    },
    async startWorkers(onStart, onDone) {
      onStartHook = onStart;
      const c = consumer as Opened;
      worker = c.engine.createWorker({ workerId: 'bench', concurrency: config.concurrency, watchdog: false });
      // Completions are counted from committed `engine.job.completed` events on the worker's bus.
      c.bus.subscribe({ topics: ['engine.job.completed'] }, () => onDone());
      await worker.start();
    },
    async remaining() {
      const rows = await (producer as { store: Store<Tx> }).store.driver.query(
        "SELECT COUNT(*) AS n FROM jobs WHERE status <> 'completed'",
      );
      return readInt(rows[0]?.n);
    },
    async enqueueOne(tag) {
      await producer?.engine.enqueueNow({ workflow: 'noop', payload: { tag } });
    },
    async teardown() {
      await worker?.stop();
      await consumer?.store.close();
      const p = producer as { store: Store<Tx> };
      await p.store.driver.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await p.store.close();
    },
  };
}
