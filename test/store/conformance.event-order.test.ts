import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { eventsAfter, latestEventId } from '../../src/telemetry/event-store.js';
import type { StoredEvent } from '../../src/telemetry/topics.js';
import { forEachStore, waitFor } from '../support/harness.js';
import { holdAfterEvents, startRelay, twoWriters } from './event-fixtures.js';
import { gate } from './test-workflows.js';

/**
 * Event ids follow commit order, so a reader that has read up to id N (a live stream's
 * high-water mark, a `Last-Event-ID` resume, the cross-process relay) never skips an event
 * that commits later. The test holds a transaction open after its event got its id, lets a
 * second writer try to commit a later event meanwhile, and checks that nothing is skipped.
 */

forEachStore('event ids follow commit order', (suite) => {
  suite.test(
    'an event whose transaction is held open after it got its id is not skipped by a resume from a later id',
    async (ctx) => {
      const { a, b } = await twoWriters(ctx);
      const start = await latestEventId(ctx.store.driver);
      const written = gate();
      const release = gate();
      const held = a.transact(async (tx) => {
        await tx.emit('engine.job.queued', { jobId: 'held-low' });
        tx.defer(holdAfterEvents(written.open, release.promise), null);
      });
      await written.promise; // the held event has its row (and its id); its transaction is open
      const fast = b.transact((tx) => tx.emit('engine.job.queued', { jobId: 'fast-high' }));
      // Give the second writer every chance to commit first (that is how a skip happened).
      await Promise.race([fast, delay(300)]);
      // A reader now reads up to the newest visible event, as a live stream or relay would ...
      const firstRead = ctx.store.driver.capabilities.multipleConnections ? await eventsAfter(ctx.store.driver, start) : []; // SQLite: one connection; a read would wait for the held transaction anyway
      const highWater = firstRead.reduce((max, e) => Math.max(max, e.id), start);
      release.open();
      await Promise.all([held, fast]);
      // ... and later resumes from its high-water mark (Last-Event-ID).
      const resumed = await eventsAfter(ctx.store.driver, highWater);
      const seen = [...firstRead, ...resumed].map((e) => e.payload.jobId);
      assert.deepEqual(seen.filter((id) => id === 'held-low' || id === 'fast-high').sort(), ['fast-high', 'held-low']);
      const all = await eventsAfter(ctx.store.driver, start);
      const ids = new Map(all.map((e) => [e.payload.jobId, e.id]));
      assert.ok((ids.get('held-low') as number) < (ids.get('fast-high') as number), 'ids in commit order');
    },
  );

  suite.test("the relay carries both events to another process's bus, in id order", async (ctx) => {
    const { a, b } = await twoWriters(ctx);
    const { relay, seen: relayed } = await startRelay(ctx, 'api-process', 20);
    try {
      const written = gate();
      const release = gate();
      const held = a.transact(async (tx) => {
        await tx.emit('engine.job.queued', { jobId: 'relay-held-low' });
        tx.defer(holdAfterEvents(written.open, release.promise), null);
      });
      await written.promise;
      const fast = b.transact((tx) => tx.emit('engine.job.queued', { jobId: 'relay-fast-high' }));
      await Promise.race([fast, delay(300)]);
      // The relay polls every 20 ms meanwhile: it would have moved past the held id by now.
      release.open();
      await Promise.all([held, fast]);
      await waitFor(
        () =>
          relayed.some((e) => e.payload.jobId === 'relay-held-low') && relayed.some((e) => e.payload.jobId === 'relay-fast-high'),
        'both events relayed',
        5_000,
      );
      assert.ok(
        relayed.every((e, i) => i === 0 || e.id > (relayed[i - 1] as StoredEvent).id),
        'relayed in id order',
      );
    } finally {
      await relay.stop();
    }
  });
});
