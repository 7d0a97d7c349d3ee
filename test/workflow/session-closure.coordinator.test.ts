import assert from 'node:assert/strict';
import type { Afterword } from '../../src/app.js';
import type { AfterwordError } from '../../src/errors.js';
import { forEachEngine } from '../support/engines.js';
import { demoWorld, type StoreContext, sampleTurns, waitForEvent } from '../support/harness.js';

forEachEngine('SessionClosureCoordinator', (suite) => {
  // One application for the block, with the demo world (the tests use distinct sessions).
  let shared: Promise<Afterword> | undefined;
  const appFor = (ctx: StoreContext) =>
    (shared ??= ctx.app().then(async ({ app }) => {
      await app.world.importWorld(demoWorld());
      return app;
    }));

  suite.test('closing records closure, a system provenance turn and a queued job in one transaction', async (ctx) => {
    const app = await appFor(ctx);
    await app.sessions.upsert('close-1', { character: { name: 'Ada' } });
    await app.sessions.appendTurns('close-1', sampleTurns);
    const queued = waitForEvent(app, 'offline.sessionClosure.queued', (e) => e.sessionId === 'close-1');
    const out = await app.coordinator.closeSession('close-1', { reason: 'player_left', closedBy: 'gm-1' });
    assert.equal(out.created, true);
    assert.equal(out.job.status, 'queued');
    assert.equal(out.session.status, 'closed');
    assert.equal(out.session.pendingOfflineReconcile, true);
    assert.match(out.session.lastClosureAuditRef ?? '', /^session\.close:close-1:[0-9a-f-]{36}$/);
    assert.equal(out.job.payload.auditRef, out.session.lastClosureAuditRef);
    const event = await queued;
    assert.deepEqual(Object.keys(event.payload).sort(), ['auditRef', 'enqueuedAt', 'jobId', 'sessionId', 'trigger']);
    assert.equal(event.payload.trigger, 'session_closed');
    const transcript = await app.sessions.transcript('close-1');
    const last = transcript[transcript.length - 1];
    assert.equal(last?.speaker, 'system');
    assert.equal(last?.metadata.auditRef, out.session.lastClosureAuditRef);
  });

  suite.test('re-closing returns the existing job instead of queuing another (spec 9)', async (ctx) => {
    const app = await appFor(ctx);
    await app.sessions.upsert('close-2', {});
    const first = await app.coordinator.closeSession('close-2');
    const second = await app.coordinator.closeSession('close-2');
    assert.equal(second.created, false);
    assert.equal(second.job.jobId, first.job.jobId);
    const jobs = await app.engine.listJobs({ concurrencyKey: 'close-2', limit: 10 });
    assert.equal(jobs.length, 1);
  });

  suite.test('concurrent closures of one session produce exactly one job', async (ctx) => {
    const app = await appFor(ctx);
    await app.sessions.upsert('close-3', {});
    const results = await Promise.all(Array.from({ length: 8 }, () => app.coordinator.closeSession('close-3')));
    assert.equal(new Set(results.map((r) => r.job.jobId)).size, 1);
    assert.equal(results.filter((r) => r.created).length, 1);
  });

  suite.test('closing an unknown or badly named session is a client error and writes nothing', async (ctx) => {
    const app = await appFor(ctx);
    await assert.rejects(
      app.coordinator.closeSession('nope'),
      (e: AfterwordError) => e.code === 'session_not_found' && e.status === 404,
    );
    await assert.rejects(
      app.coordinator.closeSession('bad id!'),
      (e: AfterwordError) => e.code === 'invalid_input' && e.issues[0]?.field === 'sessionId',
    );
    const jobs = await app.engine.listJobs({ concurrencyKey: 'nope', limit: 10 });
    assert.equal(jobs.length, 0);
  });

  suite.test('onJobQueued listeners run asynchronously, errors never propagate, unsubscribe works', async (ctx) => {
    const app = await appFor(ctx);
    const seen: string[] = [];
    const offBad = app.coordinator.onJobQueued(() => {
      throw new Error('listener bug');
    });
    const off = app.coordinator.onJobQueued((payload) => {
      seen.push(String(payload.sessionId));
    });
    await app.sessions.upsert('close-4', {});
    const queued = waitForEvent(app, 'offline.sessionClosure.queued', (e) => e.sessionId === 'close-4');
    await app.coordinator.closeSession('close-4');
    await queued;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, ['close-4']);
    off();
    offBad();
    await app.sessions.upsert('close-5', {});
    const queued5 = waitForEvent(app, 'offline.sessionClosure.queued', (e) => e.sessionId === 'close-5');
    await app.coordinator.closeSession('close-5');
    await queued5;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, ['close-4']);
  });

  suite.test('sessions idle past the threshold are closed with trigger inactivity', async (ctx) => {
    const app = await appFor(ctx);
    await app.sessions.upsert('idle-1', {});
    const closed = await app.coordinator.closeInactive(Date.now() + app.config.closure.inactivityMs + 1);
    assert.ok(closed >= 1);
    const summary = await app.sessions.summary('idle-1');
    assert.equal(summary.status, 'closed');
    assert.equal(summary.closureTrigger, 'inactivity');
    const [job] = await app.engine.listJobs({ concurrencyKey: 'idle-1', limit: 1 });
    assert.equal((job?.payload as { trigger?: string } | undefined)?.trigger, 'inactivity');
  });
});
