import assert from 'node:assert/strict';
import type { StoredEvent } from '../../src/telemetry/topics.js';
import { forEachStore, storeOn, waitFor } from '../support/harness.js';
import { startRelay } from './event-fixtures.js';

forEachStore('event relay', (suite) => {
  suite.test("another process's committed events reach the local bus in order; our own are not repeated", async (ctx) => {
    // "api" reads through the harness store; "worker" writes through its own connection where the adapter has one.
    const workerDriver = ctx.dialect === 'postgres' ? await ctx.openDriver() : ctx.store.driver;
    const worker = storeOn(workerDriver, ctx.location, ctx.clock, 'worker-process');
    const { api, relay, seen } = await startRelay(ctx, 'api-process');
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
});
