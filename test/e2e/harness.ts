import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Afterword, createAfterword } from '../../src/app.js';
import { type ConfigInput, loadConfig } from '../../src/config.js';
import { type AfterwordServer, buildServer, type BuildServerOptions } from '../../src/server/index.js';
import { silentLogger } from '../../src/telemetry/logger.js';

export const tokens = {
  admin: 'admin-token-0123456789abcdef',
  gm: 'gm-one-token-0123456789abcdef',
  gm2: 'gm-two-token-0123456789abcdef',
  viewer: 'viewer-token-0123456789abcdef',
} as const;

export const tokenConfig = [
  { token: tokens.admin, role: 'admin' as const, name: 'root' },
  { token: tokens.gm, role: 'gm' as const, name: 'gm-one' },
  { token: tokens.gm2, role: 'gm' as const, name: 'gm-two' },
  { token: tokens.viewer, role: 'viewer' as const, name: 'watcher' },
];

export const auth = (who: keyof typeof tokens) => ({ authorization: `Bearer ${tokens[who]}` });

export interface Harness {
  dir: string;
  app: Afterword;
  server: AfterwordServer;
  close(): Promise<void>;
}

/** A fresh SQLite data dir, the real application, and the server (not listening: use inject). */
export async function startHarness(
  overrides: ConfigInput = {},
  options: { workers?: number; server?: BuildServerOptions } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'afterword-e2e-'));
  const config = loadConfig(
    {
      dataDir: dir,
      logLevel: 'silent',
      ...overrides,
      engine: { pollIntervalMs: 50, backoffBaseMs: 10, backoffMaxMs: 50, drainTimeoutMs: 2000, ...(overrides.engine ?? {}) },
      http: { port: 0, tokens: tokenConfig, ...(overrides.http ?? {}) },
    },
    {},
  );
  const app = await createAfterword(config, { logger: silentLogger() });
  if ((options.workers ?? 2) > 0) await app.startWorkers(options.workers ?? 2);
  const server = await buildServer(app, { logger: false, ...options.server });
  await server.ready();
  return {
    dir,
    app,
    server,
    close: async () => {
      await server.close();
      await app.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Poll `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
}

export const sampleTurns = (n: number, prefix = 't') =>
  Array.from({ length: n }, (_, i) => ({
    turnId: `${prefix}${i + 1}`,
    speaker: i % 2 === 0 ? 'gm' : 'player',
    text:
      i % 2 === 0
        ? `The lantern flickers over the harbour, scene ${i}.`
        : `I step onto the pier and call out to the ferryman ${i}.`,
    sceneId: `s${Math.floor(i / 4) + 1}`,
    metadata: { tension: i % 3 === 0 ? 'rising' : 'steady' },
  }));
