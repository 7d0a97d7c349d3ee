/**
 * The store test harness: ONE suite, run against every adapter.
 *
 *   import { forEachStore } from '../store/adapters.js';
 *
 *   forEachStore('sessions: closing', (suite) => {
 *     suite.test('a closed session refuses turns', async (ctx, t) => {
 *       const engine = ctx.createEngine();            // DurableEngine on ctx.store
 *       await ctx.store.transact(async (tx) => ...);  // ctx.store is a migrated Store
 *     });
 *   });
 *
 * For each adapter, `forEachStore` opens a `describe('<title> [sqlite|postgres]')` with ONE fresh,
 * migrated store shared by the tests of that block (so give workflows and ids unique names with
 * `ctx.unique('name')`):
 * - sqlite: a new file in a temporary directory, removed after a passing run;
 * - postgres: a new schema `t_<random>` in the database at AFTERWORD_TEST_DATABASE_URL (default
 *   postgres://postgres@127.0.0.1:5432/test), dropped after a passing run and KEPT after a failure
 *   (its name is printed) so you can inspect it.
 * When PostgreSQL is not reachable its tests are skipped with a message saying so, unless
 * AFTERWORD_REQUIRE_POSTGRES=1 (CI), in which case they fail. AFTERWORD_TEST_ADAPTERS=sqlite (or
 * postgres) restricts the run to one adapter.
 *
 * The context gives: `store` (migrated), `bus` (its event bus), `clock` (real time plus an
 * offset you can `advance()`, used by the store's transactions, so leases can be expired without
 * sleeping), `createEngine(settings?)` (engines and their workers are stopped at the end of the
 * block; a leak check fails the block if a worker is still running), `openDriver()` (another,
 * unmigrated connection to the same database: for concurrency tests), `location`/`dialect`, and
 * `childArgs` (what a child process needs to open the same store: see store-child.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { type Clock, type IdSource, randomIds } from '../../src/clock.js';
import { DurableEngine, type EngineSettings } from '../../src/engine/engine.js';
import type { Worker } from '../../src/engine/worker.js';
import { migrate } from '../../src/store/migrate.js';
import type { Dialect, SqlDriver } from '../../src/store/ports.js';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import { SqliteDriver } from '../../src/store/sqlite/sqlite-driver.js';
import { createStore, type Store } from '../../src/store/store.js';
import { EventBus } from '../../src/telemetry/event-bus.js';
import { silentLogger } from '../../src/telemetry/logger.js';

export const testDatabaseUrl = process.env.AFTERWORD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const requirePostgres = process.env.AFTERWORD_REQUIRE_POSTGRES === '1';
export const adapters: readonly Dialect[] = (process.env.AFTERWORD_TEST_ADAPTERS?.split(',') as Dialect[] | undefined) ?? [
  'sqlite',
  'postgres',
];

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

/** How a child process opens the same store: `[dialect, location, schema]`. */
export type ChildArgs = [Dialect, string, string];

export interface StoreContext {
  dialect: Dialect;
  store: Store;
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
}

export interface StoreSuite {
  test(name: string, fn: (ctx: StoreContext, t: TestContext) => Promise<void>, options?: { timeout?: number }): void;
}

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

interface Opened {
  driver: SqlDriver;
  location: string;
  childArgs: ChildArgs;
  openDriver(): Promise<SqlDriver>;
  dispose(passed: boolean): Promise<void>;
}

async function openAdapter(dialect: Dialect): Promise<Opened> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'afterword-store-'));
    const file = join(dir, 'afterword.db');
    return {
      driver: new SqliteDriver(file),
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
  const open = () => PostgresDriver.connect({ url: testDatabaseUrl, schema, poolSize: 4 });
  return {
    driver: await open(),
    location: `${redacted(testDatabaseUrl)} schema ${schema}`,
    childArgs: ['postgres', testDatabaseUrl, schema],
    openDriver: open,
    async dispose(passed) {
      if (!passed) {
        console.log(`# kept PostgreSQL schema ${schema} for inspection`);
        return;
      }
      const admin = await PostgresDriver.connect({ url: testDatabaseUrl, schema: 'public', poolSize: 1 });
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    },
  };
}

/** Open a migrated store on a driver, with its own bus and adjustable clock. */
export function storeOn(
  driver: SqlDriver,
  location: string,
  clock: Clock = new AdjustableClock(),
  origin = 'test',
): Store & { bus: EventBus } {
  const bus = new EventBus(silentLogger());
  const store = createStore(driver, location, { bus, clock, ids: randomIds, origin }, null);
  return Object.assign(store, { bus });
}

/** Register `fn`'s tests once per adapter; see the comment at the top of this file. */
export function forEachStore(title: string, fn: (suite: StoreSuite) => void): void {
  for (const dialect of adapters) {
    describe(`${title} [${dialect}]`, () => {
      let skipReason: string | null = null;
      let opened: Opened | undefined;
      let ctx: StoreContext | undefined;
      let failed = false;
      const workers = new Set<Worker>();
      const extraDrivers: SqlDriver[] = [];

      before(async () => {
        if (dialect === 'postgres') {
          const reason = await postgresUnreachable();
          if (reason) {
            skipReason = `PostgreSQL not reachable at ${redacted(testDatabaseUrl)} (${reason}): set AFTERWORD_TEST_DATABASE_URL`;
            if (!requirePostgres) console.log(`# ${skipReason}`);
            return;
          }
        }
        opened = await openAdapter(dialect);
        await migrate(opened.driver);
        const clock = new AdjustableClock();
        const store = storeOn(opened.driver, opened.location, clock);
        let counter = 0;
        const o = opened;
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
            const driver = await o.openDriver();
            extraDrivers.push(driver);
            return driver;
          },
          unique(prefix) {
            return `${prefix}-${++counter}-${randomIds.uuid().slice(0, 6)}`;
          },
        };
      });

      after(async () => {
        let leaked = 0;
        for (const worker of workers) {
          if (worker.stats.running > 0 || (worker as unknown as { started: boolean }).started) {
            leaked++;
            await worker.stop(0);
          }
        }
        for (const driver of extraDrivers) await driver.close().catch(() => undefined);
        if (opened) {
          await opened.driver.close();
          await opened.dispose(!failed && leaked === 0);
        }
        if (leaked > 0) throw new Error(`${leaked} worker(s) were left running by "${title}" [${dialect}]`);
      });

      fn({
        test(name, body, options = {}) {
          it(name, { timeout: options.timeout ?? 30_000 }, async (t) => {
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

/** Poll `probe` until it returns a value other than undefined/false, or fail after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
