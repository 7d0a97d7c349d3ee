import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Afterword, type AfterwordOptions, createAfterword } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { demoWorldPath } from '../../src/paths.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import type { StoredEvent, Topic } from '../../src/telemetry/topics.js';

export interface TestApp {
  app: Afterword;
  dir: string;
  cleanup(): Promise<void>;
}

/** A fresh SQLite-backed app in its own temp directory; no env vars leak in. */
export async function createTestApp(overrides: Record<string, unknown> = {}, options: AfterwordOptions = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'afterword-test-'));
  const config = loadConfig({ dataDir: dir, logLevel: 'silent', ...overrides }, {});
  const app = await createAfterword(config, { logger: silentLogger(), ...options });
  return {
    app,
    dir,
    async cleanup() {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
