import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAfterword } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { buildServer, installShutdown } from '../../src/server/index.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { tokenConfig } from './harness.js';
import { SseClient } from './sse-client.js';

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'afterword-shutdown-'));
  const app = await createAfterword(loadConfig({ dataDir: dir, logLevel: 'silent', http: { tokens: tokenConfig } }, {}), {
    logger: silentLogger(),
  });
  await app.startWorkers(1);
  const server = await buildServer(app, { logger: false });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  // A request that is in flight when the signal arrives.
  server.get('/test/slow', { config: { access: 'public' } }, async () => {
    entered();
    await gate;
    return { finished: true };
  });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  let stopped = false;
  const stop = app.stop.bind(app);
  const watched = Object.assign(app, {
    stop: async () => {
      stopped = true;
      await stop();
    },
  });
  return { dir, app: watched, server, url, release, inside, isStopped: () => stopped };
}

test('SIGTERM: in-flight requests finish, event streams end, the app stops, exit 0', async () => {
  const s = await setup();
  const exits: number[] = [];
  const handle = installShutdown(s.app, s.server, { signals: ['SIGUSR2'], exit: (code) => exits.push(code), log: () => {} });
  try {
    const stream = await SseClient.open(`${s.url}/v1/events`, { authorization: `Bearer ${tokenConfig[0]!.token}` });
    const slow = fetch(`${s.url}/test/slow`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await s.inside;
    process.emit('SIGUSR2', 'SIGUSR2');
    await stream.until((c) => c.ended, 'the event stream to end');
    assert.equal(s.isStopped(), false, 'the app waits for in-flight requests');
    s.release();
    assert.deepEqual(await slow, { status: 200, body: { finished: true } });
    assert.equal(await handle.finished, 0);
    assert.equal(s.isStopped(), true);
    assert.deepEqual(exits, [0]);
    await assert.rejects(fetch(`${s.url}/healthz`), 'no longer accepting connections');
  } finally {
    handle.uninstall();
    await rm(s.dir, { recursive: true, force: true });
  }
});

test('a second signal during shutdown exits 1 at once', async () => {
  const s = await setup();
  const exits: number[] = [];
  const handle = installShutdown(s.app, s.server, { signals: ['SIGUSR2'], exit: (code) => exits.push(code), log: () => {} });
  try {
    const slow = fetch(`${s.url}/test/slow`).then((r) => r.status);
    await s.inside;
    process.emit('SIGUSR2', 'SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2');
    assert.deepEqual(exits, [1]);
    s.release();
    assert.equal(await slow, 200);
    await handle.finished;
  } finally {
    handle.uninstall();
    await rm(s.dir, { recursive: true, force: true });
  }
});
