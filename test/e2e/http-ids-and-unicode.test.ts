import assert from 'node:assert/strict';
import { forEachStore, type StoreContext, type TestService } from '../support/harness.js';
import { auth, tokenConfig } from './harness.js';

/**
 * Issue 9, items 11 and 12, on both stores: ids up to the documented 128 characters reach their
 * routes (Fastify's default `maxParamLength` of 100 answered 404), and a turn retried with a
 * lone surrogate is the same turn (the store keeps U+FFFD in its place, so comparing the raw
 * text called the retry a conflict); lone surrogates anywhere in a session's input are accepted
 * the same way on both stores.
 */
forEachStore('HTTP: long ids and lone surrogates', (suite) => {
  let service: TestService | undefined;
  const req = async (ctx: StoreContext, method: string, url: string, payload?: unknown) => {
    service ??= await ctx.service({ http: { tokens: tokenConfig } }, { workers: 0 });
    const res = await service.server.inject({
      method: method as 'GET',
      url,
      headers: auth('admin'),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };

  suite.test('a 128-character session id works on every session route; 129 is a 400 naming it', async (ctx) => {
    const id = `L${'x'.repeat(126)}9`;
    assert.equal(id.length, 128);
    assert.equal((await req(ctx, 'PUT', `/v1/sessions/${id}`, {})).status, 201);
    assert.equal(
      (await req(ctx, 'POST', `/v1/sessions/${id}/turns`, { turns: [{ turnId: 't1', speaker: 'gm', text: 'Hi.' }] })).status,
      200,
    );
    for (const path of ['', '/transcript', '/history', '/moderation', '/publishing']) {
      const res = await req(ctx, 'GET', `/v1/sessions/${id}${path}`);
      assert.equal(res.status, 200, `GET ${path}: ${JSON.stringify(res.body)}`);
    }
    assert.equal((await req(ctx, 'POST', `/v1/sessions/${id}/close`, {})).status, 202);
    const tooLong = await req(ctx, 'PUT', `/v1/sessions/${id}x`, {});
    assert.equal(tooLong.status, 400);
    assert.ok(
      tooLong.body.error.issues.some((i: { field: string }) => /sessionId/.test(i.field)),
      JSON.stringify(tooLong.body),
    );
  });

  suite.test('a 200-character job id reaches its route (404 job_not_found, not an unknown route)', async (ctx) => {
    const res = await req(ctx, 'GET', `/v1/jobs/${'j'.repeat(200)}`);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'job_not_found');
  });

  suite.test('a turn retried with a lone surrogate is a duplicate, not a conflict', async (ctx) => {
    assert.equal((await req(ctx, 'PUT', '/v1/sessions/surrogate-1', {})).status, 201);
    const turns = [
      { turnId: 'lone', speaker: 'gm', text: 'Half a pair: \ud83d and a stray \ude00 here.' },
      { turnId: 'pair', speaker: 'gm', text: 'A whole pair \ud83d\ude00 stays.' },
    ];
    const first = await req(ctx, 'POST', '/v1/sessions/surrogate-1/turns', { turns });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.appended, 2);
    const retry = await req(ctx, 'POST', '/v1/sessions/surrogate-1/turns', { turns });
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.deepEqual([retry.body.appended, retry.body.duplicates], [0, 2]);
    const stored = (await req(ctx, 'GET', '/v1/sessions/surrogate-1/transcript')).body.items;
    assert.deepEqual(
      stored.map((t: { turnId: string; text: string }) => [t.turnId, t.text]),
      [
        ['lone', 'Half a pair: \ufffd and a stray \ufffd here.'],
        ['pair', 'A whole pair \ud83d\ude00 stays.'],
      ],
    );
  });

  suite.test('lone surrogates in metadata, context and changes are accepted alike on both stores', async (ctx) => {
    const put = await req(ctx, 'PUT', '/v1/sessions/surrogate-2', { context: { character: { name: 'Ann\ud800' } } });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    assert.equal(put.body.session.context.character.name, 'Ann\ufffd');
    const turns = await req(ctx, 'POST', '/v1/sessions/surrogate-2/turns', {
      turns: [{ turnId: 't1', speaker: 'gm', text: 'ok', sceneId: 's\udc00', metadata: { note: 'x\ud800', list: ['\udfff'] } }],
    });
    assert.equal(turns.status, 200, JSON.stringify(turns.body));
    const changes = await req(ctx, 'POST', '/v1/sessions/surrogate-2/changes', {
      changes: [{ kind: 'k\ud800', payload: { v: '\udbff' } }],
    });
    assert.equal(changes.status, 200, JSON.stringify(changes.body));
    const [turn] = (await req(ctx, 'GET', '/v1/sessions/surrogate-2/transcript')).body.items;
    assert.deepEqual([turn.sceneId, turn.metadata.note, turn.metadata.list], ['s\ufffd', 'x\ufffd', ['\ufffd']]);
  });

  suite.test('a lone surrogate in any JSON body is made well formed at the parser: same answer on both stores', async (ctx) => {
    const world = {
      worldId: 'world.surrogate',
      name: 'Half \ud800 world',
      version: 1,
      entities: [{ entityId: 'place.lone', entityType: 'place', canonicalName: 'Lone \udc00 Harbour', aliases: ['Lone'] }],
    };
    const imported = await req(ctx, 'POST', '/v1/world/import', world);
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    const entity = await req(ctx, 'GET', '/v1/world/entities/place.lone');
    assert.equal(entity.status, 200, JSON.stringify(entity.body));
    assert.equal(entity.body.canonicalName ?? entity.body.entity?.canonicalName, 'Lone \ufffd Harbour');
  });

  suite.test('the application API (CLI import) makes a world file well formed too', async (ctx) => {
    await req(ctx, 'GET', '/healthz');
    const app = (service as TestService).app;
    await app.world.importWorld({
      worldId: 'world.surrogate-cli',
      name: 'CLI \ud800 world',
      version: 2,
      entities: [{ entityId: 'place.cli-lone', entityType: 'place', canonicalName: 'Cli \udfff Quay', aliases: [] }],
    });
    const entity = (await app.world.entity('place.cli-lone')) as { canonicalName?: string; entity?: { canonicalName: string } };
    assert.equal(entity.canonicalName ?? entity.entity?.canonicalName, 'Cli \ufffd Quay');
  });
});
