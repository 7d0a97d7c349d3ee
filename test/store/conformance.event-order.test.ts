import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { eventsAfter, latestEventId } from '../../src/telemetry/event-store.js';
import type { StoredEvent } from '../../src/telemetry/topics.js';
import { claimJobs } from '../../src/engine/sql/claim-jobs.js';
import type { Store } from '../../src/store/store.js';
import type { Tx } from '../../src/telemetry/outbox.js';
import { forEachStore, type StoreContext, waitFor } from '../support/harness.js';
import { holdAfterEvents, startRelay, twoWriters } from './event-fixtures.js';
import { gate, testWorkflow } from './test-workflows.js';

/**
 * Event ids follow commit order, so a reader that has read up to id N (a live stream's
 * high-water mark, a `Last-Event-ID` resume, the cross-process relay) never skips an event
 * that commits later. The test holds a transaction open after its event got its id, lets a
 * second writer try to commit a later event meanwhile, and checks that nothing is skipped.
 */

/**
 * Hold writer A's transaction open after its event got its id; meanwhile let writer B commit
 * later events (`second`); read as a live reader would, then resume from its high-water mark.
 * Returns the job ids of the events seen, and every event's id by job id.
 */
async function raceAHeldEvent(ctx: StoreContext, second: (b: Store<Tx>) => Promise<unknown>) {
  const { a, b } = await twoWriters(ctx);
  const start = await latestEventId(ctx.store.driver);
  const written = gate();
  const release = gate();
  const held = a.transact(async (tx) => {
    await tx.emit('engine.job.queued', { jobId: 'held-low' });
    tx.defer(holdAfterEvents(written.open, release.promise), null);
  });
  await written.promise; // the held event has its row (and its id); its transaction is open
  const fast = second(b);
  // Give the second writer every chance to commit first (that is how a skip happened).
  await Promise.race([fast, delay(300)]);
  // A reader now reads up to the newest visible event, as a live stream or relay would (SQLite
  // has one connection: a read would wait for the held transaction anyway) ...
  const firstRead = ctx.store.driver.capabilities.multipleConnections ? await eventsAfter(ctx.store.driver, start) : [];
  const highWater = firstRead.reduce((max, e) => Math.max(max, e.id), start);
  release.open();
  await Promise.all([held, fast]);
  // ... and later resumes from its high-water mark (Last-Event-ID).
  const resumed = await eventsAfter(ctx.store.driver, highWater);
  const all = await eventsAfter(ctx.store.driver, start);
  return {
    seen: new Set([...firstRead, ...resumed].map((e) => String(e.payload.jobId))),
    ids: new Map(all.map((e) => [String(e.payload.jobId), e.id])),
  };
}

forEachStore('event ids follow commit order', (suite) => {
  suite.test(
    'an event whose transaction is held open after it got its id is not skipped by a resume from a later id',
    async (ctx) => {
      const { seen, ids } = await raceAHeldEvent(ctx, (b) =>
        b.transact((tx) => tx.emit('engine.job.queued', { jobId: 'fast-high' })),
      );
      assert.ok(seen.has('held-low') && seen.has('fast-high'), `both seen: ${[...seen].join(', ')}`);
      assert.ok((ids.get('held-low') as number) < (ids.get('fast-high') as number), 'ids in commit order');
    },
  );

  suite.test('the events a claim writes itself are ordered the same way', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx.createEngine().register(testWorkflow(name, { steps: 1 }));
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    const claim = (b: Store<Tx>) =>
      b.transact((tx) =>
        claimJobs(tx, { workflows: [name], limit: 1, workerId: 'w', leaseToken: 't', leaseMs: 60_000, now: tx.now }, b),
      );
    const { seen, ids } = await raceAHeldEvent(ctx, claim);
    assert.ok(seen.has('held-low') && seen.has(job.jobId), `both seen: ${[...seen].join(', ')}`);
    assert.ok((ids.get('held-low') as number) < (ids.get(job.jobId) as number), "the claim's event id is after the held one");
  });

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
