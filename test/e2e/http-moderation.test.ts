import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { demoWorld } from '../support/harness.js';
import { auth, type Harness, startHarness } from './harness.js';

/** The moderation routes over HTTP, and the `moderator` role: decides and acknowledges, never administers. */
describe('HTTP moderation: the moderator role, bulk decisions, contested entities, pages', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ engine: { pollIntervalMs: 20 } }, { workers: 1 });
    await h.app.world.importWorld(demoWorld());
    const texts: Record<string, string> = {
      'hm-1': 'The Iron Tithe seized the Kyther Range.',
      'hm-2': 'The Veiled Court seized the Kyther Range.',
      'hm-3': 'The Saltmarch Corsairs seized the Sunder Gap.',
    };
    for (const [sessionId, text] of Object.entries(texts)) {
      await h.app.sessions.upsert(sessionId, {});
      await h.app.sessions.appendTurns(sessionId, [{ turnId: 't1', speaker: 'gm', text }]);
      await h.app.coordinator.closeSession(sessionId);
      await h.app.orchestrator?.untilIdle();
    }
  });
  after(async () => h.close());

  test('a moderator reads and decides but may not administer (403)', async () => {
    assert.equal((await h.server.inject({ url: '/v1/deltas', headers: auth('moderator') })).statusCode, 200);
    assert.equal((await h.server.inject({ url: '/v1/alerts', headers: auth('moderator') })).statusCode, 200);
    const ack = await h.server.inject({ method: 'POST', url: '/v1/alerts/none/acknowledge', headers: auth('moderator') });
    assert.equal(ack.statusCode, 404, 'allowed: the alert just does not exist');
    for (const [method, url] of [
      ['POST', '/v1/jobs/j/retry'],
      ['POST', '/v1/jobs/j/cancel'],
      ['POST', '/v1/world/import'],
      ['POST', '/v1/sessions/hm-1/publishing/override'],
      ['POST', '/v1/jobs/j/rerun'],
      ['PUT', '/v1/sessions/new-one'],
    ] as const) {
      const res = await h.server.inject({ method, url, headers: auth('moderator'), payload: {} });
      assert.equal(res.statusCode, 403, `${method} ${url}: ${res.statusCode}`);
    }
    for (const who of ['viewer', 'gm'] as const) {
      const res = await h.server.inject({
        method: 'POST',
        url: '/v1/deltas/bulk-decision',
        headers: auth(who),
        payload: { decision: 'approve', dryRun: true },
      });
      assert.equal(res.statusCode, 403, who);
    }
  });

  test('GET /v1/deltas pages with a cursor; a bad cursor or filter is a 400 naming the field', async () => {
    const first = await h.server.inject({ url: '/v1/deltas?limit=1', headers: auth('moderator') });
    const page = first.json();
    assert.equal(page.items.length, 1);
    assert.equal(typeof page.nextCursor, 'string');
    const second = await h.server.inject({
      url: `/v1/deltas?limit=1&cursor=${encodeURIComponent(page.nextCursor)}`,
      headers: auth('moderator'),
    });
    assert.notEqual(second.json().items[0].deltaId, page.items[0].deltaId);
    const bad = await h.server.inject({ url: '/v1/deltas?cursor=zzz', headers: auth('moderator') });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.issues[0].field, 'query.cursor');
    const badReason = await h.server.inject({
      method: 'POST',
      url: '/v1/deltas/bulk-decision',
      headers: auth('moderator'),
      payload: { decision: 'approve', filter: { reason: 'whatever' } },
    });
    assert.equal(badReason.statusCode, 400);
    assert.match(JSON.stringify(badReason.json().error), /reason/);
  });

  test('a contested entity is one item, decided once; a bulk decision previews then decides', async () => {
    const contested = (await h.server.inject({ url: '/v1/moderation/contested', headers: auth('moderator') })).json();
    const kyther = contested.items.find((i: { entityId: string }) => i.entityId === 'region.kyther-range');
    assert.ok(kyther);
    assert.equal(kyther.proposals.length, 2);
    const pick = kyther.proposals.find((p: { sessionId: string }) => p.sessionId === 'hm-1');
    const decided = await h.server.inject({
      method: 'POST',
      url: '/v1/moderation/contested/region.kyther-range/decision',
      headers: auth('moderator'),
      payload: { action: 'pick', deltaId: pick.deltaId, note: 'hm-1 is canon' },
    });
    assert.equal(decided.statusCode, 200, decided.body);
    assert.equal(decided.json().rejected.length, 1);
    const preview = await h.server.inject({
      method: 'POST',
      url: '/v1/deltas/bulk-decision',
      headers: auth('moderator'),
      payload: { decision: 'approve', dryRun: true, filter: { sessionId: 'hm-3' } },
    });
    assert.equal(preview.statusCode, 200);
    assert.equal(preview.json().matched, 1);
    const bulk = await h.server.inject({
      method: 'POST',
      url: '/v1/deltas/bulk-decision',
      headers: auth('moderator'),
      payload: { decision: 'approve', filter: { sessionId: 'hm-3' } },
    });
    assert.equal(bulk.json().decided, 1);
    const delta = (await h.server.inject({ url: '/v1/deltas?sessionId=hm-3', headers: auth('viewer') })).json().items[0];
    const audit = (await h.server.inject({ url: `/v1/deltas/${delta.deltaId}`, headers: auth('viewer') })).json();
    assert.equal(audit.decisions[0].actor, 'moderator:mo');
    assert.equal(audit.decisions[0].via, `bulk:${bulk.json().bulkId}`);
    const open = (await h.server.inject({ url: '/v1/alerts?state=open', headers: auth('moderator') })).json();
    assert.deepEqual(open.items, [], 'every alert resolved with its cause');
  });
});
