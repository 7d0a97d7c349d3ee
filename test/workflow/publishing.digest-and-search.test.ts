import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { publishedDocuments } from '../../src/canon/publishing-store.js';
import type { StoredEvent } from '../../src/telemetry/topics.js';
import { AdjustableClock, demoWorld, eventually, forEachStore } from '../support/harness.js';
import { batchTime, fast, processedClosure } from './processed-closure.js';

const day = 24 * 3_600_000;
const timeZone = 'Pacific/Auckland';

forEachStore('publishing: the daily digest and the search index', (suite) => {
  suite.test('one digest document per local day, kind digest, lists what was published and is searchable', async (ctx) => {
    const clock = new AdjustableClock();
    const { app } = await ctx.app({ ...fast, cadence: { timeZone, digestHour: 2, digestMinute: 0 } }, { clock });
    await app.world.importWorld(demoWorld());
    await app.sessions.upsert('digest-1', {});
    await app.sessions.appendTurns('digest-1', [{ turnId: 't1', speaker: 'gm', text: 'Harrowgate was ravaged by the storm.' }]);
    await app.coordinator.closeSession('digest-1');
    const workers = await app.startWorkers(2);
    await workers.untilIdle();
    const [batch] = await app.publishing.batches({ sessionId: 'digest-1' });
    assert.equal(batch?.status, 'ready');
    clock.advance(batchTime);
    await eventually(
      async () => ((await app.publishing.batch(batch.batchId)).status === 'published' ? true : undefined),
      10_000,
      'the batch published',
    );
    const published = await app.publishing.batch(batch.batchId);
    const titles = [...published.plan.bundles.map((b) => b.canonicalName), ...published.plan.cards.map((c) => c.headline)];
    assert.ok(titles.length > 0);

    // Two days on, every digest due meanwhile has run.
    clock.advance(2 * day);
    await eventually(
      async () => {
        const digests = await app.engine.listJobs({ workflow: 'publishing.digest', limit: 100 });
        return digests.length > 0 && digests.every((j) => j.status === 'completed') ? digests : undefined;
      },
      10_000,
      'the digest jobs completed',
    );
    const digestJobs = await app.engine.listJobs({ workflow: 'publishing.digest', limit: 100 });
    const hits = await app.lore.search('Daily digest', 100);
    const digestHits = hits.filter((h) => h.kind === 'digest');
    assert.ok(digestHits.length > 0, 'digests are searchable, with kind digest');
    assert.equal(
      hits.filter((h) => h.docId.startsWith('digest:') && h.kind !== 'digest').length,
      0,
      'no digest stored under another kind',
    );
    const docs = await publishedDocuments(
      app.store.driver,
      digestJobs.map(
        (j) => `digest:${DateTime.fromMillis((j.payload as { digestAt: number }).digestAt, { zone: timeZone }).toISODate()}`,
      ),
    );
    assert.equal(
      docs.size,
      new Set(digestJobs.map((j) => (j.payload as { digestAt: number }).digestAt)).size,
      'one per digest day, named by the local date',
    );
    const listing = [...docs.values()].filter((d) => titles.every((t) => d.body.includes(t)));
    assert.equal(listing.length, 1, 'exactly one day lists the batch');
    const [digest] = listing;
    assert.ok(digest);
    assert.equal(digest.kind, 'digest');
    assert.ok(!digest.body.split('\n').slice(1).join('\n').includes('Daily digest'), 'no digest lists a digest');
    const window = digest.record as { since: number; until: number };
    assert.ok(window.since < published.publishedAt! && published.publishedAt! <= window.until, 'the batch is in its window');
    // Searching a published title finds the day's digest too.
    const word = 'Harrowgate';
    assert.ok((await app.lore.search(word, 100)).some((h) => h.docId === digest.docId));
  });

  suite.test('the drift check compares the index with what was published, and the retry re-indexes', async (ctx) => {
    const { app, clock, batch } = await processedClosure(ctx, 'reindex-1', ['Harrowgate was ravaged by the storm.']);
    assert.equal(batch?.status, 'ready');
    clock.advance(batchTime);
    await eventually(
      async () => ((await app.publishing.batch(batch.batchId)).status === 'published' ? true : undefined),
      10_000,
      'the batch published',
    );
    const [job] = await app.engine.listJobs({ workflow: 'publishing.batch', limit: 10 });
    assert.ok(job);
    await eventually(
      async () => ((await app.engine.getJob(job.jobId))?.status === 'completed' ? true : undefined),
      10_000,
      'done',
    );
    assert.ok((await app.lore.search('Harrowgate', 10)).length > 0);

    // The index loses the batch's documents (as an external index might); the lore table keeps them.
    const docIds = (await app.publishing.batch(batch.batchId)).plan.searchJobs.map((j) => j.documentId);
    for (const id of docIds) await app.store.driver.run('DELETE FROM lore_search WHERE doc_id = ?', [id]);
    assert.equal((await app.lore.search('Harrowgate', 10)).length, 0);

    const drifts: StoredEvent[] = [];
    app.bus.subscribe({ topics: ['telemetry.search.drift'] }, (e) => void drifts.push(e));
    await app.engine.rerunFrom(job.jobId, 'search-sync', 'ops');
    const done = await eventually(
      async () => {
        const j = await app.engine.getJob(job.jobId);
        return j?.status === 'completed' || j?.status === 'failed' ? j : undefined;
      },
      10_000,
      'the re-run finished',
    );
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(drifts.length, 1, 'the drift was reported once, then fixed by the retry');
    assert.equal(drifts[0]?.payload.final, false);
    const drift = drifts[0]?.payload.drift as Array<{ documentId: string }>;
    assert.deepEqual(drift.map((d) => d.documentId).sort(), [...docIds].sort());
    assert.equal((done.result as { reindexed: number }).reindexed, docIds.length);
    assert.ok((await app.lore.search('Harrowgate', 10)).length > 0, 'searchable again');
  });
});
