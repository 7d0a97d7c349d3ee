import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Afterword, type AfterwordOptions, createAfterword } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { demoWorldPath } from '../../src/paths.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import type { StoredEvent, Topic } from '../../src/telemetry/topics.js';
import { randomUUID } from 'node:crypto';
import { describe, type SuiteContext } from 'node:test';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import { adapters, postgresUnreachable, requirePostgres, testDatabaseUrl } from '../store/adapters.js';

export interface TestApp {
  app: Afterword;
  dir: string;
  cleanup(): Promise<void>;
}

export type Adapter = 'sqlite' | 'postgres';

/**
 * A fresh app on its own store, with no env vars leaking in: SQLite in a temp directory, or
 * PostgreSQL in a new schema (dropped at cleanup).
 */
export async function createTestApp(
  overrides: Record<string, unknown> = {},
  options: AfterwordOptions = {},
  adapter: Adapter = 'sqlite',
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'afterword-test-'));
  const schema = `w_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const storeConfig = adapter === 'postgres' ? { databaseUrl: testDatabaseUrl, pgSchema: schema, pgPoolSize: 4 } : {};
  const config = loadConfig({ dataDir: dir, logLevel: 'silent', ...storeConfig, ...overrides }, {});
  const app = await createAfterword(config, { logger: silentLogger(), ...options });
  return {
    app,
    dir,
    async cleanup() {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
      if (adapter === 'postgres') {
        const admin = await PostgresDriver.connect({ url: testDatabaseUrl, schema: 'public', poolSize: 1 });
        await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.close();
      }
    },
  };
}

/**
 * Run a block once per adapter (the same tests on SQLite and PostgreSQL). PostgreSQL blocks skip
 * with a visible reason when the server is unreachable, and fail under AFTERWORD_REQUIRE_POSTGRES=1.
 */
export function forEachAdapter(title: string, fn: (adapter: Adapter) => void): void {
  for (const adapter of adapters) {
    describe(`${title} [${adapter}]`, async (suite: SuiteContext) => {
      if (adapter === 'postgres') {
        const reason = await postgresUnreachable();
        if (reason && requirePostgres)
          throw new Error(`PostgreSQL is required (AFTERWORD_REQUIRE_POSTGRES=1) but unreachable: ${reason}`);
        if (reason) {
          console.log(
            `# SKIP ${title} [postgres]: PostgreSQL not reachable at ${testDatabaseUrl} (${reason}); set AFTERWORD_TEST_DATABASE_URL`,
          );
          void suite;
          return;
        }
      }
      fn(adapter);
    });
  }
}

export function demoWorld(): unknown {
  return JSON.parse(readFileSync(demoWorldPath, 'utf8'));
}

/** Resolve with the first committed event on `topic` matching `predicate`, or fail after a deadline. */
export function waitForEvent(
  app: Afterword,
  topic: Topic,
  predicate: (e: StoredEvent) => boolean = () => true,
  timeoutMs = 10_000,
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

/** Poll `check` until it returns a value other than undefined, or fail after a deadline. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
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
