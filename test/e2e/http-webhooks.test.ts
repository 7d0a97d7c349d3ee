/**
 * The webhook subscription API: admin only, the secret shown once (never listed, never in an
 * event), bad input a 400 naming the field, private targets refused unless configured.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auth, type Harness, startHarness } from './harness.js';

describe('HTTP: /v1/webhooks', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ webhooks: { allowPrivateNetworks: ['127.0.0.1'] } }, { workers: 0 });
  });
  after(() => h.close());

  const create = (body: unknown, who: 'admin' | 'viewer' | 'gm' = 'admin') =>
    h.server.inject({ method: 'POST', url: '/v1/webhooks', headers: auth(who), payload: body as object });

  test('create returns the secret once; get, list and events never carry it', async () => {
    const res = await create({ url: 'http://127.0.0.1:9/hooks', topics: ['publish.batch.published'], description: 'wiki' });
    assert.equal(res.statusCode, 201, res.body);
    const created = res.json();
    assert.match(created.secret, /^whsec_/);
    assert.equal(created.enabled, true);
    const got = await h.server.inject({ url: `/v1/webhooks/${created.endpointId}`, headers: auth('admin') });
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().secret, undefined);
    assert.ok(!got.body.includes(created.secret));
    const list = await h.server.inject({ url: '/v1/webhooks', headers: auth('admin') });
    assert.ok(!list.body.includes(created.secret));
    assert.equal(list.json().items.length >= 1, true);
    const rotated = await h.server.inject({
      method: 'POST',
      url: `/v1/webhooks/${created.endpointId}/rotate-secret`,
      headers: auth('admin'),
    });
    assert.equal(rotated.statusCode, 200);
    assert.notEqual(rotated.json().secret, created.secret);
    const events = await h.app.eventsSince(0, {}, 10_000);
    const text = JSON.stringify(events);
    assert.ok(!text.includes(created.secret) && !text.includes(rotated.json().secret), 'no secret in any event');
    const patched = await h.server.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${created.endpointId}`,
      headers: auth('admin'),
      payload: { enabled: false },
    });
    assert.equal(patched.json().enabled, false);
    assert.equal(patched.json().disabledReason, 'operator');
    const removed = await h.server.inject({
      method: 'DELETE',
      url: `/v1/webhooks/${created.endpointId}`,
      headers: auth('admin'),
    });
    assert.equal(removed.statusCode, 200);
    const gone = await h.server.inject({ url: `/v1/webhooks/${created.endpointId}`, headers: auth('admin') });
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().error.code, 'webhook_not_found');
  });

  test('admin only: a viewer and a gm get 403', async () => {
    for (const who of ['viewer', 'gm'] as const) {
      const res = await create({ url: 'http://127.0.0.1:9/', topics: ['admin.alert'] }, who);
      assert.equal(res.statusCode, 403);
    }
    const list = await h.server.inject({ url: '/v1/webhooks', headers: auth('viewer') });
    assert.equal(list.statusCode, 403);
  });

  test('bad input is a 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ url: 'http://127.0.0.1:9/', topics: ['no.such.topic'] }, 'topics[0]'],
      [{ url: 'http://127.0.0.1:9/', topics: [] }, 'topics'],
      [{ url: 'ftp://127.0.0.1/', topics: ['admin.alert'] }, 'url'],
      [{ url: 'not a url', topics: ['admin.alert'] }, 'url'],
      [{ url: 'http://user:pw@127.0.0.1/', topics: ['admin.alert'] }, 'url'],
      [{ topics: ['admin.alert'] }, 'url'],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      const fields = (res.json().error.issues ?? []).map((i: { field: string }) => i.field);
      assert.ok(
        fields.some((f: string) => f === field || f.endsWith(field)),
        `${JSON.stringify(body)} names ${field}: ${res.body}`,
      );
    }
    const badStatus = await h.server.inject({ url: '/v1/webhooks/deliveries?status=lost', headers: auth('admin') });
    assert.equal(badStatus.statusCode, 400);
    const badSince = await h.server.inject({ url: '/v1/webhooks/deliveries?since=yesterday', headers: auth('admin') });
    assert.equal(badSince.statusCode, 400);
    assert.equal(badSince.json().error.issues[0].field, 'since');
  });

  test('private, loopback and link-local targets are refused unless allowed', async () => {
    for (const url of [
      'http://10.1.2.3/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/',
      'http://127.0.0.2/',
      'http://[::ffff:10.0.0.1]/',
      'http://0.0.0.0/',
    ]) {
      const res = await create({ url, topics: ['admin.alert'] });
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'webhook_address_refused', url);
      assert.equal(res.json().error.issues[0].field, 'url');
    }
    const allowed = await create({ url: 'http://127.0.0.1:9/', topics: ['*'] });
    assert.equal(allowed.statusCode, 201, 'the configured address is allowed');
  });

  test('lists are cursor-paginated; a cursor we did not issue is a 400 naming it', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await create({ url: 'http://127.0.0.1:9/', topics: ['*'] })).statusCode, 201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/webhooks?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await h.server.inject({ url, headers: auth('admin') })).json();
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((e: { endpointId: string }) => e.endpointId));
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length, 'no endpoint twice');
    assert.ok(seen.length >= 3);
    for (const path of ['/v1/webhooks?cursor=bm9wZQ', '/v1/webhooks/deliveries?cursor=eyJ4IjoxfQ']) {
      const bad = await h.server.inject({ url: path, headers: auth('admin') });
      assert.equal(bad.statusCode, 400, path);
      assert.match(bad.json().error.issues[0].field, /cursor/);
    }
  });
});
