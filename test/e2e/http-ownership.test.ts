import assert from 'node:assert/strict';
import { loadMigrations } from '../../src/store/migrate.js';
import { forEachStore, type TestService } from '../support/harness.js';
import { auth, sampleTurns, tokenConfig } from './harness.js';

/**
 * The ownership model (issue 9, items 2 and 10), on both stores: a gm creates sessions and works
 * on its own; it never claims an existing one (an admin's, an import's, another gm's); lists are
 * filtered in SQL; the close's actor is the caller, a client's label is kept apart.
 */
type Who = 'admin' | 'gm' | 'gm2' | 'viewer';

forEachStore('HTTP: session ownership', (suite) => {
  let service: TestService | undefined;
  const open = async (ctx: Parameters<Parameters<typeof suite.test>[1]>[0]) => {
    service ??= await ctx.service({ http: { tokens: tokenConfig } }, { workers: 0 });
    return service;
  };
  const req = async (method: string, url: string, who: Who, payload?: unknown) => {
    const res = await (service as TestService).server.inject({
      method: method as 'GET',
      url,
      headers: auth(who),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };

  /** Every way a gm could touch session `id`: all must be 403 for a session it does not own. */
  const touches = (id: string) =>
    [
      ['PUT', `/v1/sessions/${id}`, { context: { character: { name: 'Usurper' } } }],
      ['POST', `/v1/sessions/${id}/turns`, { turns: sampleTurns(1, 'x') }],
      ['POST', `/v1/sessions/${id}/changes`, { changes: [{ kind: 'x' }] }],
      ['POST', `/v1/sessions/${id}/close`, {}],
      ['GET', `/v1/sessions/${id}`, undefined],
      ['GET', `/v1/sessions/${id}/transcript`, undefined],
      ['GET', `/v1/sessions/${id}/history`, undefined],
      ['GET', `/v1/sessions/${id}/summary`, undefined],
      ['GET', `/v1/sessions/${id}/mentions`, undefined],
      ['GET', `/v1/sessions/${id}/moderation`, undefined],
      ['GET', `/v1/sessions/${id}/publishing`, undefined],
    ] as const;

  const assertUntouchable = async (id: string, who: Who) => {
    for (const [method, url, payload] of touches(id)) {
      const res = await req(method, url, who, payload);
      assert.equal(res.status, 403, `${who} ${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'forbidden');
    }
    const after = await req('GET', `/v1/sessions/${id}`, 'admin');
    assert.equal(after.body.status, 'active', 'still open');
    assert.equal(after.body.context.character?.name, 'Keeper', 'metadata not replaced');
  };

  suite.test('a session an admin created has no owner and no gm can claim, read or close it', async (ctx) => {
    await open(ctx);
    const created = await req('PUT', '/v1/sessions/own-admin', 'admin', { context: { character: { name: 'Keeper' } } });
    assert.equal(created.status, 201);
    assert.equal(created.body.session.owner, null);
    await assertUntouchable('own-admin', 'gm');
    await assertUntouchable('own-admin', 'gm2');
    assert.equal((await req('GET', '/v1/sessions/own-admin', 'admin')).body.owner, null, 'not claimed');
  });

  suite.test('an imported session has no owner, even when its metadata names a gm', async (ctx) => {
    const s = await open(ctx);
    await s.app.sessions.importSession({
      sessionId: 'own-import',
      context: { character: { name: 'Keeper' }, owner: 'gm-one' },
      turns: sampleTurns(2),
    });
    assert.equal((await req('GET', '/v1/sessions/own-import', 'admin')).body.owner, null);
    await assertUntouchable('own-import', 'gm');
  });

  suite.test('a gm owns what it creates, works on it, and another gm is refused', async (ctx) => {
    await open(ctx);
    const created = await req('PUT', '/v1/sessions/own-gm', 'gm', {
      context: { character: { name: 'Keeper' }, owner: 'gm-two' },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.session.owner, 'gm-one', 'the caller owns it, whatever the metadata says');
    assert.equal((await req('PUT', '/v1/sessions/own-gm', 'gm', { context: { character: { name: 'Keeper' } } })).status, 200);
    assert.equal((await req('POST', '/v1/sessions/own-gm/turns', 'gm', { turns: sampleTurns(3) })).status, 200);
    assert.equal((await req('GET', '/v1/sessions/own-gm/transcript', 'gm')).body.items.length, 3);
    await assertUntouchable('own-gm', 'gm2');
    // An admin replacing the metadata keeps the owner.
    assert.equal((await req('PUT', '/v1/sessions/own-gm', 'admin', { context: { character: { name: 'Keeper' } } })).status, 200);
    assert.equal((await req('GET', '/v1/sessions/own-gm', 'gm')).body.owner, 'gm-one');
  });

  suite.test('a gm lists only its own sessions, in full pages (filtered in SQL)', async (ctx) => {
    await open(ctx);
    for (let i = 0; i < 3; i++) assert.equal((await req('PUT', `/v1/sessions/own-list-${i}`, 'gm2', {})).status, 201);
    // Newer sessions of others on top: a filter applied after the page would leave it empty.
    for (let i = 0; i < 3; i++) await req('PUT', `/v1/sessions/other-list-${i}`, 'admin', {});
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await req('GET', `/v1/sessions?limit=1${cursor ? `&cursor=${cursor}` : ''}`, 'gm2');
      assert.equal(page.status, 200);
      if (page.body.nextCursor) assert.equal(page.body.items.length, 1, 'a full page');
      seen.push(
        ...page.body.items.map((s: { sessionId: string; owner: string }) => (assert.equal(s.owner, 'gm-two'), s.sessionId)),
      );
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, ['own-list-2', 'own-list-1', 'own-list-0']);
  });

  suite.test("the close's actor is the caller; a client's closedBy is only a label", async (ctx) => {
    await open(ctx);
    assert.equal((await req('PUT', '/v1/sessions/own-forge', 'gm', {})).status, 201);
    const closed = await req('POST', '/v1/sessions/own-forge/close', 'gm', { closedBy: 'admin:root', reason: 'done' });
    assert.equal(closed.status, 202);
    assert.equal(closed.body.session.closedBy, 'gm:gm-one');
    assert.equal(closed.body.session.closedByLabel, 'admin:root');
    assert.equal(closed.body.closureJob.payload.closedBy, 'gm:gm-one');
    const turns = (await req('GET', '/v1/sessions/own-forge/transcript', 'admin')).body.items;
    assert.match(turns[turns.length - 1].text, /^Session closed by gm:gm-one: done$/);
  });

  suite.test('migration 0006 moves an owner kept in metadata to the owner column', async (ctx) => {
    // The block's store is fully migrated: replay 0006's backfill on rows written the old way.
    const driver = ctx.store.driver;
    const all = loadMigrations(driver.dialect);
    const m6 = all.find((m) => m.version === 6);
    assert.ok(m6, 'migration 0006 exists');
    await ctx.store.transact(async (tx) => {
      await tx.run(
        `INSERT INTO sessions (id, status, context, created_at, updated_at, last_activity_at) VALUES (?, 'active', ?, 1, 1, 1)`,
        ['own-legacy', JSON.stringify({ owner: 'gm-one' })],
      );
      await tx.run(
        `INSERT INTO sessions (id, status, context, created_at, updated_at, last_activity_at) VALUES (?, 'active', ?, 1, 1, 1)`,
        ['own-legacy-none', JSON.stringify({ owner: 7 })],
      );
    });
    const backfill = m6.sql.split('\n').find((line) => line.startsWith('UPDATE sessions SET owner'));
    assert.ok(backfill);
    await driver.run(backfill.replace(/;$/, ''));
    const rows = await ctx.store.driver.query<{ id: string; owner: string | null }>(
      "SELECT id, owner FROM sessions WHERE id LIKE 'own-legacy%' ORDER BY id",
    );
    assert.deepEqual(
      rows.map((r) => [r.id, r.owner]),
      [
        ['own-legacy', 'gm-one'],
        ['own-legacy-none', null],
      ],
    );
  });
});
