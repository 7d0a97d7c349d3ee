/**
 * The test harness: ONE way to get a fresh store, an application or an HTTP service on it, on
 * every adapter, for every store-backed test (store conformance, engine, workflow, e2e).
 *
 *   import { forEachStore } from '../support/harness.js';
 *
 *   forEachStore('sessions: closing', (suite) => {
 *     suite.test('a closed session refuses turns', async (ctx, t) => {
 *       const engine = ctx.createEngine();            // DurableEngine on ctx.store
 *       await ctx.store.transact(async (tx) => ...);  // ctx.store is a migrated Store<Tx>
 *       const { app } = await ctx.app({ closure: { slaMs: 1 } });   // a whole application, own store
 *       const service = await ctx.service();          // app + workers + Fastify server (use inject)
 *     });
 *   });
 *
 * For each adapter, `forEachStore` opens a `describe('<title> [sqlite|postgres]')` with ONE fresh,
 * migrated store shared by the tests of that block (so give workflows and ids unique names with
 * `ctx.unique('name')`); `ctx.app()` and `ctx.service()` get a fresh store of their own each:
 * - sqlite: a new file in a temporary directory;
 * - postgres: a new schema `t_<random>` in the database at AFTERWORD_TEST_DATABASE_URL (default
 *   postgres://postgres@127.0.0.1:5432/test).
 * Everything the block opened is closed at its end; stores are removed after a passing block and
 * KEPT after a failing one (their names are printed) for inspection. When PostgreSQL is not
 * reachable its tests are skipped with a message saying so, unless AFTERWORD_REQUIRE_POSTGRES=1
 * (CI), in which case they fail. AFTERWORD_TEST_ADAPTERS=sqlite (or postgres) restricts the run.
 *
 * The context gives: `store`, `bus` (its event bus), `clock` (real time plus an offset you can
 * `advance()`, used by the store's transactions, so leases expire without sleeping),
 * `createEngine(settings?)` (engines whose workers are stopped at the end of the block; a leak
 * check fails the block if a worker was left running), `openDriver()` (another, unmigrated
 * connection to the same database: for concurrency tests), `location`/`dialect`, and
 * `childArgs` (what a child process needs to open the same store: see test/store/store-child.ts).
 * Outside `forEachStore`, `createTestApp` and `startService` do the same for one test.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { type Afterword, type AfterwordOptions, createAfterword } from '../../src/app.js';
import { type Clock, type IdSource, randomIds } from '../../src/clock.js';
import { type ConfigInput, loadConfig } from '../../src/config.js';
import { DurableEngine, type EngineSettings } from '../../src/engine/engine.js';
import type { Worker } from '../../src/engine/worker.js';
import { demoWorldPath } from '../../src/paths.js';
import { type AfterwordServer, type BuildServerOptions, buildServer } from '../../src/server/index.js';
import { migrate } from '../../src/store/migrate.js';
import type { Dialect, SqlDriver } from '../../src/store/ports.js';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import { SqliteDriver } from '../../src/store/sqlite/sqlite-driver.js';
import { createStore, type Store } from '../../src/store/store.js';
import { EventBus } from '../../src/telemetry/event-bus.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Outbox, type Tx } from '../../src/telemetry/outbox.js';
import type { StoredEvent } from '../../src/telemetry/topics.js';
import type { Topic } from '../../src/topic-catalogue.js';

export const testDatabaseUrl = process.env.AFTERWORD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const requirePostgres = process.env.AFTERWORD_REQUIRE_POSTGRES === '1';
export const adapters: readonly Dialect[] = (process.env.AFTERWORD_TEST_ADAPTERS?.split(',') as Dialect[] | undefined) ?? [
  'sqlite',
  'postgres',
];
export type Adapter = Dialect;

/** Real time plus an adjustable offset: leases expire when the test says so, without sleeping. */
export class AdjustableClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** Settings for tests: short polls and back-off, no heartbeat or watchdog timers unless asked. */
export const testEngineSettings: EngineSettings = {
  leaseMs: 5_000,
  heartbeatMs: 600_000,
  pollIntervalMs: 50,
  claimBatchSize: 8,
  maxAttempts: 3,
  backoffBaseMs: 20,
  backoffMaxMs: 100,
  drainTimeoutMs: 2_000,
  watchdogIntervalMs: 600_000,
};

let reachable: Promise<string | null> | undefined;

/** null when PostgreSQL answers, else the reason it does not. Checked once per process. */
export function postgresUnreachable(): Promise<string | null> {
  reachable ??= (async () => {
    try {
      const driver = await PostgresDriver.connect({ url: testDatabaseUrl, schema: 'public', poolSize: 1 });
      await driver.query('SELECT 1');
      await driver.close();
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  })();
  return reachable;
}

function redacted(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** Why the adapter cannot be tested here (PostgreSQL unreachable), or null. */
async function unavailable(dialect: Dialect): Promise<string | null> {
  if (dialect !== 'postgres') return null;
  const reason = await postgresUnreachable();
  return reason ? `PostgreSQL not reachable at ${redacted(testDatabaseUrl)} (${reason}): set AFTERWORD_TEST_DATABASE_URL` : null;
}

/** How a child process opens the same store: `[dialect, location, schema]`. */
export type ChildArgs = [Dialect, string, string];

/** A fresh place for a store: an empty SQLite directory or PostgreSQL schema, removed or kept. */
interface FreshLocation {
  dialect: Dialect;
  /** The SQLite data directory (also the app's dataDir on PostgreSQL, for its other files). */
  dir: string;
  /** PostgreSQL only: the schema. */
  schema: string;
  location: string;
  childArgs: ChildArgs;
  openDriver(): Promise<SqlDriver>;
  /** Remove it after a pass; keep it (and say where) after a failure. */
  dispose(passed: boolean): Promise<void>;
}

function freshLocation(dialect: Dialect): FreshLocation {
  const dir = mkdtempSync(join(tmpdir(), 'afterword-test-'));
  if (dialect === 'sqlite') {
    const file = join(dir, 'afterword.db');
    return {
      dialect,
      dir,
      schema: '',
      location: file,
      childArgs: ['sqlite', file, ''],
      openDriver: async () => new SqliteDriver(file),
      async dispose(passed) {
        if (passed) rmSync(dir, { recursive: true, force: true });
        else console.log(`# kept SQLite store ${file} for inspection`);
      },
    };
  }
  const schema = `t_${randomIds.uuid().replace(/-/g, '').slice(0, 12)}`;
  return {
    dialect,
    dir,
    schema,
    location: `${redacted(testDatabaseUrl)} schema ${schema}`,
    childArgs: ['postgres', testDatabaseUrl, schema],
    openDriver: () => PostgresDriver.connect({ url: testDatabaseUrl, schema, poolSize: 4 }),
    async dispose(passed) {
      rmSync(dir, { recursive: true, force: true });
      if (!passed) {
        console.log(`# kept PostgreSQL schema ${schema} (${redacted(testDatabaseUrl)}) for inspection`);
        return;
      }
      const admin = await PostgresDriver.connect({ url: testDatabaseUrl, schema: 'public', poolSize: 1 });
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    },
  };
}

/** A store on `driver` whose transactions carry the outbox (events, alerts), with its own bus. */
export function storeOn(
  driver: SqlDriver,
  location: string,
  clock: Clock = new AdjustableClock(),
  origin = 'test',
): Store<Tx> & { bus: EventBus } {
  const bus = new EventBus(silentLogger());
  const outbox = new Outbox({ bus, driver, ids: randomIds, origin });
  const store = createStore(driver, location, { clock, extend: outbox.extend }, null);
  return Object.assign(store, { bus });
}

export interface TestApp {
  app: Afterword;
  dir: string;
  /** Stop the app; remove its store after a pass, keep it after a failure (default: passed). */
  cleanup(passed?: boolean): Promise<void>;
}

/** The configuration of a test app on a fresh location: no environment variables leak in. */
function testConfig(place: FreshLocation, overrides: ConfigInput) {
  const storeConfig = place.dialect === 'postgres' ? { databaseUrl: testDatabaseUrl, pgSchema: place.schema, pgPoolSize: 4 } : {};
  return loadConfig({ dataDir: place.dir, logLevel: 'silent', ...storeConfig, ...overrides } as ConfigInput, {});
}

/** A fresh application on its own store (SQLite directory or PostgreSQL schema). */
export async function createTestApp(
  overrides: ConfigInput = {},
  options: AfterwordOptions = {},
  adapter: Adapter = 'sqlite',
): Promise<TestApp> {
  const place = freshLocation(adapter);
  const app = await createAfterword(testConfig(place, overrides), { logger: silentLogger(), ...options });
  let done = false;
  return {
    app,
    dir: place.dir,
    async cleanup(passed = true) {
      if (done) return;
      done = true;
      await app.stop();
      await place.dispose(passed);
    },
  };
}

export interface TestService {
  dir: string;
  app: Afterword;
  server: AfterwordServer;
  /** Close the server, stop the app; remove its store after a pass, keep it after a failure. */
  close(passed?: boolean): Promise<void>;
}

/**
 * The real application with `workers` in-process workers (default 2) and its HTTP server, ready
 * but not listening (use `server.inject`, or `server.listen({ port: 0 })`). Engine timings are
 * short, for tests.
 */
export async function startService(
  overrides: ConfigInput = {},
  options: { workers?: number; server?: BuildServerOptions; adapter?: Adapter; app?: AfterwordOptions } = {},
): Promise<TestService> {
  const { app, dir, cleanup } = await createTestApp(
    {
      ...overrides,
      engine: { pollIntervalMs: 50, backoffBaseMs: 10, backoffMaxMs: 50, drainTimeoutMs: 2000, ...(overrides.engine ?? {}) },
      http: { port: 0, ...(overrides.http ?? {}) },
    },
    options.app ?? {},
    options.adapter ?? 'sqlite',
  );
  try {
    if ((options.workers ?? 2) > 0) await app.startWorkers(options.workers ?? 2);
    const server = await buildServer(app, { logger: false, ...options.server });
    await server.ready();
    return {
      dir,
      app,
      server,
      async close(passed = true) {
        await server.close();
        await cleanup(passed);
      },
    };
  } catch (error) {
    await cleanup(false);
    throw error;
  }
}

export interface StoreContext {
  dialect: Dialect;
  store: Store<Tx> & { bus: EventBus };
  bus: EventBus;
  clock: AdjustableClock;
  ids: IdSource;
  location: string;
  childArgs: ChildArgs;
  createEngine(settings?: Partial<EngineSettings>, options?: { random?: () => number }): DurableEngine;
  /** Workers created through this are stopped at the end of the block if the test did not. */
  track(worker: Worker): Worker;
  openDriver(): Promise<SqlDriver>;
  unique(prefix: string): string;
  /** An application on a fresh store of this adapter, stopped at the end of the block. */
  app(overrides?: ConfigInput, options?: AfterwordOptions): Promise<TestApp>;
  /** An application with workers and its HTTP server on a fresh store of this adapter. */
  service(overrides?: ConfigInput, options?: { workers?: number; server?: BuildServerOptions }): Promise<TestService>;
}

export interface StoreSuite {
  test(name: string, fn: (ctx: StoreContext, t: TestContext) => Promise<void>, options?: { timeout?: number }): void;
}

/** Register `fn`'s tests once per adapter; see the comment at the top of this file. */
export function forEachStore(title: string, fn: (suite: StoreSuite) => void): void {
  for (const dialect of adapters) {
    describe(`${title} [${dialect}]`, () => {
      let skipReason: string | null = null;
      let place: FreshLocation | undefined;
      let driver: SqlDriver | undefined;
      let ctx: StoreContext | undefined;
      let failed = false;
      const workers = new Set<Worker>();
      const extraDrivers: SqlDriver[] = [];
      const apps: TestApp[] = [];
      const services: TestService[] = [];

      before(async () => {
        skipReason = await unavailable(dialect);
        if (skipReason) {
          if (!requirePostgres) console.log(`# SKIP ${skipReason}`);
          return;
        }
        place = freshLocation(dialect);
        const opened = place;
        driver = await opened.openDriver();
        await migrate(driver);
        const clock = new AdjustableClock();
        const store = storeOn(driver, opened.location, clock);
        let counter = 0;
        ctx = {
          dialect,
          store,
          bus: store.bus,
          clock,
          ids: randomIds,
          location: opened.location,
          childArgs: opened.childArgs,
          createEngine(settings = {}, options = {}) {
            return new DurableEngine({
              store,
              logger: silentLogger(),
              clock,
              ids: randomIds,
              settings: { ...testEngineSettings, ...settings },
              ...(options.random ? { random: options.random } : {}),
            });
          },
          track(worker) {
            workers.add(worker);
            return worker;
          },
          async openDriver() {
            const extra = await opened.openDriver();
            extraDrivers.push(extra);
            return extra;
          },
          unique(prefix) {
            return `${prefix}-${++counter}-${randomIds.uuid().slice(0, 6)}`;
          },
          async app(overrides = {}, options = {}) {
            const app = await createTestApp(overrides, options, dialect);
            apps.push(app);
            return app;
          },
          async service(overrides = {}, options = {}) {
            const service = await startService(overrides, { ...options, adapter: dialect });
            services.push(service);
            return service;
          },
        };
      });

      after(async () => {
        let leaked = 0;
        for (const worker of workers) {
          if (worker.isRunning) {
            leaked++;
            await worker.stop(0);
          }
        }
        const passed = !failed && leaked === 0;
        for (const service of services) await service.close(passed).catch(() => undefined);
        for (const app of apps) await app.cleanup(passed).catch(() => undefined);
        for (const extra of extraDrivers) await extra.close().catch(() => undefined);
        await driver?.close();
        await place?.dispose(passed);
        if (leaked > 0) throw new Error(`${leaked} worker(s) were left running by "${title}" [${dialect}]`);
      });

      fn({
        test(name, body, options = {}) {
          it(name, { timeout: options.timeout ?? 120_000 }, async (t) => {
            if (skipReason) {
              if (requirePostgres) throw new Error(`${skipReason} (AFTERWORD_REQUIRE_POSTGRES=1)`);
              t.skip(skipReason);
              return;
            }
            if (!ctx) throw new Error('store harness did not open a store');
            try {
              await body(ctx, t);
            } catch (error) {
              failed = true;
              throw error;
            }
          });
        },
      });
    });
  }
}

/**
 * How long a test waits for async work before it fails. It bounds only a failing test (a passing
 * one returns as soon as the condition holds), so it is set for a loaded, shared machine: 10 s
 * failed Temporal suites on a 2-core machine at load 18 while the work was merely slow.
 */
export const defaultWaitMs = Number(process.env.AFTERWORD_TEST_WAIT_MS ?? 45_000);

/** Poll `probe` until it returns a value other than undefined, null or false, or fail after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  timeoutMs = defaultWaitMs,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 50);
  }
}

/** `waitFor` with the arguments in the other order (older tests). */
export function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = defaultWaitMs, what = 'condition'): Promise<T> {
  return waitFor(check, what, timeoutMs);
}

/** Resolve with the first committed event on `topic` matching `predicate`, or fail after a deadline. */
export function waitForEvent(
  app: Afterword,
  topic: Topic,
  predicate: (e: StoredEvent) => boolean = () => true,
  timeoutMs = defaultWaitMs,
): Promise<StoredEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no ${topic} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = app.bus.subscribe({ topics: [topic] }, (event) => {
      if (!predicate(event)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(event);
    });
  });
}

export function demoWorld(): unknown {
  return JSON.parse(readFileSync(demoWorldPath, 'utf8'));
}

export const sampleTurns = [
  {
    turnId: 't1',
    speaker: 'gm',
    sceneId: 's1',
    actId: 'a1',
    text: 'The Prismwell Kite Guild seized the Kyther Range from the Thalric Order.',
    metadata: { tension: 'rising' },
  },
  { turnId: 't2', role: 'player', content: 'I climb toward the pass.', metadata: { sceneId: 's1', actId: 'a1' } },
  {
    turnId: 't3',
    speaker: 'gm',
    sceneId: 's2',
    actId: 'a1',
    text: 'Harrowgate is under threat.',
    metadata: { tension: 'crisis', hooks: ['Who lit the beacon?'] },
  },
];
