import assert from 'node:assert/strict';
import type { StoredEvent } from '../../src/telemetry/topics.js';
import { EventRelay } from '../../src/telemetry/event-relay.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { gate } from './test-workflows.js';
import { forEachStore, storeOn, waitFor } from '../support/harness.js';

forEachStore('event relay', (suite) => {
  suite.test("another process's committed events reach the local bus in order; our own are not repeated", async (ctx) => {
    // "api" reads through the harness store; "worker" writes through its own connection where the adapter has one.
    const workerDriver = ctx.dialect === 'postgres' ? await ctx.openDriver() : ctx.store.driver;
    const worker = storeOn(workerDriver, ctx.location, ctx.clock, 'worker-process');
    const api = storeOn(ctx.store.driver, ctx.location, ctx.clock, 'api-process');
    const relay = new EventRelay({
      driver: ctx.store.driver,
      bus: api.bus,
      origin: 'api-process',
      logger: silentLogger(),
      intervalMs: 30,
    });
    const seen: StoredEvent[] = [];
    api.bus.subscribe({}, (e) => void seen.push(e));
    await relay.start();
    try {
      await api.transact((tx) => tx.emit('engine.job.queued', { jobId: 'local' }));
      for (let i = 0; i < 3; i++) await worker.transact((tx) => tx.emit('engine.job.completed', { jobId: `remote-${i}` }));
      await waitFor(() => seen.filter((e) => e.origin === 'worker-process').length >= 3, 'three relayed events');
      await relay.poke();
      const remote = seen.filter((e) => e.origin === 'worker-process');
      assert.deepEqual(
        remote.map((e) => e.payload.jobId),
        ['remote-0', 'remote-1', 'remote-2'],
      );
      assert.ok(remote.every((e, i) => i === 0 || e.id > (remote[i - 1] as StoredEvent).id));
      assert.equal(seen.filter((e) => e.payload.jobId === 'local').length, 1, 'our own event is published once, by the outbox');
      assert.equal(relay.relayed, 3);
    } finally {
      await relay.stop();
    }
  });

  suite.test('an event whose id is lower than one already relayed but commits later is still relayed', async (ctx, t) => {
    if (ctx.dialect !== 'postgres') return t.skip('needs two concurrent writers (PostgreSQL)');
    const slowDriver = await ctx.openDriver();
    const fastDriver = await ctx.openDriver();
    const slow = storeOn(slowDriver, ctx.location, ctx.clock, 'slow-writer');
    const fast = storeOn(fastDriver, ctx.location, ctx.clock, 'fast-writer');
    const api = storeOn(ctx.store.driver, ctx.location, ctx.clock, 'api-2');
    const relay = new EventRelay({
      driver: ctx.store.driver,
      bus: api.bus,
      origin: 'api-2',
      logger: silentLogger(),
      intervalMs: 30,
    });
    const seen: string[] = [];
    api.bus.subscribe({}, (e) => void seen.push(String(e.payload.jobId)));
    await relay.start();
    try {
      const hold = gate();
      const emitted = gate();
      const slowTx = slow.transact(async (tx) => {
        await tx.emit('engine.job.completed', { jobId: 'slow' }); // takes the lower id
        emitted.open();
        await hold.promise; // ... but commits last
      });
      await emitted.promise;
      await fast.transact((tx) => tx.emit('engine.job.completed', { jobId: 'fast' }));
      await waitFor(() => seen.includes('fast'), 'the fast event');
      hold.open();
      await slowTx;
      await waitFor(() => seen.includes('slow'), 'the slow event, despite its lower id');
    } finally {
      await relay.stop();
    }
  });
});
