import assert from 'node:assert/strict';
import { getBatch, listBatches, updateBatch } from '../../src/canon/publishing-store.js';
import type { StoredEvent } from '../../src/telemetry/topics.js';
import { forEachEngine } from '../support/engines.js';
import { eventually, waitForEvent } from '../support/harness.js';
import { batchTime, processedClosure } from './processed-closure.js';

forEachEngine('publishing batches: the moderation gate and search drift', (suite) => {
  suite.test(
    'a batch held at its time waits at the gate; the decision that opens it publishes it, in the same job',
    async (ctx) => {
      // `hold`: at the window's close the batch stays at its gate (the default carries undecided deltas on).
      const { app, clock, batch } = await processedClosure(
        ctx,
        'gate-1',
        ['The Iron Tithe seized the Kyther Range from the Thalric Order.'],
        { moderation: { onWindowClose: 'hold' } },
      );
      assert.ok(batch);
      assert.equal(batch.status, 'awaiting_moderation');
      const waiting = waitForEvent(app, 'engine.job.waiting', (e) => e.payload.workflow === 'publishing.batch');
      clock.advance(batchTime);
      const waited = await waiting;
      const [job] = await app.engine.listJobs({ workflow: 'publishing.batch', limit: 10 });
      assert.equal(job?.jobId, waited.jobId);
      assert.equal(job?.status, 'queued', 'waiting for the signal, not completed as held');
      const published = waitForEvent(app, 'telemetry.publish.batch.published', (e) => e.payload.batchId === batch.batchId);
      const completed = waitForEvent(app, 'engine.job.completed', (e) => e.jobId === waited.jobId);
      for (const delta of (await app.moderation.list({ sessionId: 'gate-1' })).filter((d) => d.status === 'needs-review')) {
        await app.moderation.decide(delta.deltaId, { decision: 'approve', actor: 'mod' });
      }
      assert.equal((await published).jobId, waited.jobId, 'the waiting job itself published the batch');
      await completed;
      const jobs = await app.engine.listJobs({ workflow: 'publishing.batch', limit: 10 });
      assert.deepEqual(
        jobs.map((j) => [j.jobId, j.status, j.attempts]),
        [[waited.jobId, 'completed', 1]],
        'one job per batch: no release job, no extra attempt',
      );
      assert.equal((await app.world.entity('region.kyther-range')).state.controlledBy, 'faction.iron-tithe');
    },
  );

  suite.test('search drift fails the batch with telemetry.search.drift naming the drifted documents', async (ctx) => {
    const { app, clock, batch } = await processedClosure(ctx, 'drift-1', ['Harrowgate was ravaged by the storm.']);
    assert.equal(batch?.status, 'ready');
    // A search job for a document the batch never publishes: the index can only drift from it.
    await app.store.transact(async (tx) => {
      const stored = await getBatch(tx, batch?.batchId ?? '');
      assert.ok(stored);
      const missing = {
        jobId: 'search:ghost:v1',
        documentKind: 'news-card' as const,
        documentId: 'ghost-document',
        expectedVersion: 1,
        maxAttempts: 3,
      };
      const plan = { ...stored.plan, searchJobs: [...stored.plan.searchJobs, missing] };
      await updateBatch(tx, { ...stored, plan }, tx.now);
    });
    const drifts: StoredEvent[] = [];
    app.bus.subscribe({ topics: ['telemetry.search.drift'] }, (e) => void drifts.push(e));
    const failed = waitForEvent(app, 'engine.job.failed', (e) => e.payload.workflow === 'publishing.batch');
    clock.advance(batchTime);
    await failed;
    await eventually(
      async () => (drifts.some((e) => e.payload.final === true) ? true : undefined),
      5_000,
      'the final drift event',
    );
    assert.equal(drifts.length, 3, 'one per attempt');
    for (const event of drifts) {
      assert.equal(event.payload.batchId, batch?.batchId);
      const drift = event.payload.drift as Array<{ documentId: string; reason: string }>;
      assert.ok(Array.isArray(drift), `drift is the list of drifted documents, not ${JSON.stringify(event.payload.drift)}`);
      assert.deepEqual(
        drift.map((d) => [d.documentId, d.reason]),
        [['ghost-document', 'status']],
      );
    }
  });

  suite.test('a batch failure that is not drift reports no search drift', async (ctx) => {
    const { app, clock, batch } = await processedClosure(ctx, 'nodrift-1', ['Harrowgate was ravaged by the storm.']);
    // A plan the publish step cannot render: the batch fails, for a reason that is not the index.
    await app.store.transact(async (tx) => {
      const [stored] = await listBatches(tx, { sessionId: 'nodrift-1' });
      assert.ok(stored);
      await updateBatch(tx, { ...stored, plan: { ...stored.plan, bundles: null as never } }, tx.now);
    });
    const drifts: StoredEvent[] = [];
    app.bus.subscribe({ topics: ['telemetry.search.drift'] }, (e) => void drifts.push(e));
    const failed = waitForEvent(app, 'engine.job.failed', (e) => e.payload.workflow === 'publishing.batch');
    clock.advance(batchTime);
    const event = await failed;
    assert.equal(event.payload.attempts, 3);
    assert.equal(batch?.status, 'ready');
    assert.deepEqual(
      drifts.map((e) => e.payload),
      [],
      'no telemetry.search.drift for a failure that is not drift',
    );
  });
});
