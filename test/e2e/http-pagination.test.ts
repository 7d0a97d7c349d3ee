import assert from 'node:assert/strict';
import { buildServer } from '../../src/server/index.js';
import { AdjustableClock, demoWorld, forEachStore } from '../support/harness.js';
import { batchTime, fast } from '../workflow/processed-closure.js';
import { auth, tokenConfig } from './harness.js';

/**
 * Issue 11: no silent caps. Every list answers a page and a `nextCursor`; following the cursors
 * yields every item exactly once, whatever the page size.
 */
const lines = [
  'Harrowgate was ravaged by the storm.',
  'The Iron Tithe marched on the Kyther Range, they say.',
  'The Thalric Order seized Harrowgate from the Emberwright Compact.',
  'The Prismwell Kite Guild took control of the Duskmere Vale.',
];

forEachStore('HTTP: cursor pagination on every list', (suite) => {
  suite.test('batches, mentions, entities and lore search page through everything exactly once', async (ctx) => {
    const clock = new AdjustableClock();
    const { app } = await ctx.app({ ...fast, http: { tokens: tokenConfig } }, { clock });
    await app.world.importWorld(demoWorld());
    for (let s = 1; s <= 5; s++) {
      await app.sessions.upsert(`page-${s}`, {});
      await app.sessions.appendTurns(
        `page-${s}`,
        lines.map((text, i) => ({ turnId: `t${i + 1}`, speaker: 'gm', text })),
      );
      await app.coordinator.closeSession(`page-${s}`);
    }
    const workers = await app.startWorkers(2);
    await workers.untilIdle();
    for (const delta of await app.moderation.list({ status: 'needs-review', limit: 10_000 }))
      await app.moderation.decide(delta.deltaId, { decision: 'approve', actor: 'test' });
    clock.advance(batchTime);
    const deadline = Date.now() + 30_000;
    while ((await app.publishing.batches({ status: 'published' })).length < 5) {
      assert.ok(Date.now() < deadline, 'the five batches published within 30 s');
      await new Promise((r) => setTimeout(r, 25));
    }
    await workers.untilIdle();
    const server = await buildServer(app, { logger: false });
    await server.ready();
    try {
      const all = async (url: string, key: (item: Record<string, unknown>) => string) => {
        const seen: string[] = [];
        let cursor: string | null = null;
        for (let pages = 0; pages < 1000; pages++) {
          const sep = url.includes('?') ? '&' : '?';
          const res: { statusCode: number; body: string; json(): unknown } = await server.inject({
            method: 'GET',
            url: `${url}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`,
            headers: auth('admin'),
          });
          assert.equal(res.statusCode, 200, res.body);
          const body = res.json() as { items: Array<Record<string, unknown>>; nextCursor: string | null };
          seen.push(...body.items.map(key));
          cursor = body.nextCursor;
          if (!cursor) break;
        }
        assert.equal(new Set(seen).size, seen.length, `${url}: no item twice`);
        return seen;
      };

      const batches = await all('/v1/publishing/batches?limit=2', (b) => String(b.batchId));
      assert.equal(batches.length, 5);
      assert.deepEqual(new Set(batches), new Set((await app.publishing.batches({})).map((b) => b.batchId)));

      const mentions = await all('/v1/sessions/page-3/mentions?limit=2', (m) => String(m.mentionId));
      const expected = await app.artefacts.mentions('page-3');
      assert.ok(expected.length > 2);
      assert.deepEqual(
        mentions,
        (expected as Array<{ mentionId: string }>).map((m) => m.mentionId),
        'every mention, in extraction order',
      );

      const entities = await all('/v1/world/entities?limit=7', (e) => String(e.entityId));
      assert.equal(entities.length, 34);
      assert.deepEqual(entities, [...entities].sort(), 'by id');

      const everything = await app.lore.search('Harrowgate', 100);
      assert.ok(everything.length > 2, 'several published documents mention Harrowgate');
      const hits = await all('/v1/lore/search?q=Harrowgate&limit=2', (h) => String(h.docId));
      assert.deepEqual(new Set(hits), new Set(everything.map((h) => h.docId)));

      // A cursor the server did not issue is a client error naming the field.
      for (const url of ['/v1/publishing/batches', '/v1/world/entities', '/v1/sessions/page-3/mentions', '/v1/lore/search?q=x']) {
        const sep = url.includes('?') ? '&' : '?';
        const bad = await server.inject({ method: 'GET', url: `${url}${sep}cursor=bm9wZQ`, headers: auth('admin') });
        assert.equal(bad.statusCode, 400, `${url}: ${bad.body}`);
        assert.equal(bad.json().error.issues[0].field, 'query.cursor');
      }
    } finally {
      await server.close();
    }
  });
});
