import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { ensureAdminToken } from '../../src/server/index.js';
import { auth, type Harness, sampleTurns, startHarness, tokens } from './harness.js';

describe('HTTP auth: every non-public route needs a token', () => {
  const routes: Array<{ method: string; url: string; access: string }> = [];
  let h: Harness;
  before(async () => {
    h = await startHarness(
      {},
      {
        workers: 0,
        server: {
          onRoute: (r) => {
            for (const method of [r.method].flat()) routes.push({ method, url: r.url, access: r.access });
          },
        },
      },
    );
  });
  after(async () => h.close());

  test('the route table is enumerated and only documented routes are public', () => {
    assert.ok(routes.length > 30, `only ${routes.length} routes`);
    const publicRoutes = [...new Set(routes.filter((r) => r.access === 'public').map((r) => r.url))].filter(
      (u) => !u.startsWith('/docs'),
    );
    assert.deepEqual(
      publicRoutes.sort(),
      ['/', '/assets/:file', '/healthz', '/openapi.json', '/readyz', '/v1/lore/search'].sort(),
    );
  });

  test('every non-public route answers 401 without a token and with a wrong token', async () => {
    const checked: string[] = [];
    for (const route of routes.filter((r) => r.access !== 'public')) {
      const url = route.url.replace(/:([A-Za-z]+)/g, 'x1').replace('*', 'x');
      for (const headers of [{}, { authorization: 'Bearer not-a-real-token-at-all' }]) {
        const res = await h.server.inject({
          method: route.method as 'GET',
          url,
          headers,
          payload: route.method === 'GET' || route.method === 'HEAD' ? undefined : {},
        });
        assert.equal(res.statusCode, 401, `${route.method} ${url} answered ${res.statusCode}`);
        if (route.method !== 'HEAD') assert.equal(res.json().error.code, 'unauthorized');
      }
      checked.push(`${route.method} ${route.url}`);
    }
    assert.ok(checked.some((c) => c === 'POST /v1/sessions/:sessionId/close'));
    assert.ok(checked.some((c) => c === 'GET /v1/events'));
    assert.ok(checked.some((c) => c === 'GET /metrics'));
  });

  test('public routes answer without a token', async () => {
    for (const url of ['/healthz', '/readyz', '/openapi.json', '/docs', '/', '/v1/lore/search?q=guild']) {
      const res = await h.server.inject({ method: 'GET', url });
      assert.ok(res.statusCode < 400 || (url === '/readyz' && res.statusCode === 503), `${url}: ${res.statusCode}`);
    }
  });

  test('a token in the URL is refused, naming the field (it would be logged)', async () => {
    for (const url of [`/v1/jobs?token=${tokens.viewer}`, `/v1/events?token=${tokens.viewer}`, `/healthz?token=x`]) {
      const res = await h.server.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().error.code, 'token_in_query');
      assert.equal(res.json().error.issues[0].field, 'query.token');
    }
  });
});

describe('HTTP auth: roles', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({}, { workers: 0 });
  });
  after(async () => h.close());

  test('viewer reads but may not write (403)', async () => {
    await h.server.inject({ method: 'PUT', url: '/v1/sessions/r-1', headers: auth('admin'), payload: {} });
    assert.equal((await h.server.inject({ url: '/v1/sessions/r-1', headers: auth('viewer') })).statusCode, 200);
    assert.equal((await h.server.inject({ url: '/v1/jobs', headers: auth('viewer') })).statusCode, 200);
    assert.equal((await h.server.inject({ url: '/metrics', headers: auth('viewer') })).statusCode, 200);
    for (const [method, url] of [
      ['PUT', '/v1/sessions/r-2'],
      ['POST', '/v1/sessions/r-1/turns'],
      ['POST', '/v1/sessions/r-1/close'],
      ['POST', '/v1/jobs/j/retry'],
      ['POST', '/v1/deltas/d/decision'],
      ['POST', '/v1/alerts/a/acknowledge'],
      ['POST', '/v1/world/import'],
    ] as const) {
      const res = await h.server.inject({ method, url, headers: auth('viewer'), payload: {} });
      assert.equal(res.statusCode, 403, `${method} ${url}`);
      assert.equal(res.json().error.code, 'forbidden');
    }
  });

  test('a gm owns the sessions it creates; another gm is refused with 403', async () => {
    const created = await h.server.inject({
      method: 'PUT',
      url: '/v1/sessions/gm-s1',
      headers: auth('gm'),
      payload: { context: { owner: 'someone-else' } },
    });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().session.owner, 'gm-one');
    assert.equal(created.json().session.context.owner, undefined, 'ownership is not metadata');
    const turns = await h.server.inject({
      method: 'POST',
      url: '/v1/sessions/gm-s1/turns',
      headers: auth('gm'),
      payload: { turns: sampleTurns(2) },
    });
    assert.equal(turns.statusCode, 200);
    for (const [method, url] of [
      ['PUT', '/v1/sessions/gm-s1'],
      ['POST', '/v1/sessions/gm-s1/turns'],
      ['POST', '/v1/sessions/gm-s1/close'],
      ['GET', '/v1/sessions/gm-s1'],
      ['GET', '/v1/sessions/gm-s1/transcript'],
      ['GET', '/v1/events?sessionId=gm-s1'],
    ] as const) {
      const res = await h.server.inject({
        method,
        url,
        headers: auth('gm2'),
        ...(method === 'GET' ? {} : { payload: method === 'PUT' ? {} : { turns: [] } }),
      });
      assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
    }
    // gm sees only its own sessions in the list; admin sees all
    await h.server.inject({ method: 'PUT', url: '/v1/sessions/gm-s2', headers: auth('gm2'), payload: {} });
    const mine = await h.server.inject({ url: '/v1/sessions', headers: auth('gm') });
    assert.deepEqual(
      mine.json().items.map((s: { sessionId: string }) => s.sessionId),
      ['gm-s1'],
    );
    const all = await h.server.inject({ url: '/v1/sessions', headers: auth('admin') });
    assert.ok(all.json().items.length >= 3);
    // an admin replacing metadata keeps the owner
    await h.server.inject({ method: 'PUT', url: '/v1/sessions/gm-s1', headers: auth('admin'), payload: { tags: ['x'] } });
    assert.equal((await h.server.inject({ url: '/v1/sessions/gm-s1', headers: auth('gm') })).json().owner, 'gm-one');
    // gm may not use operator routes, nor the unscoped event stream
    assert.equal((await h.server.inject({ url: '/v1/jobs', headers: auth('gm') })).statusCode, 403);
    assert.equal((await h.server.inject({ url: '/v1/events', headers: auth('gm') })).statusCode, 403);
    const closed = await h.server.inject({ method: 'POST', url: '/v1/sessions/gm-s1/close', headers: auth('gm') });
    assert.equal(closed.statusCode, 202);
    assert.equal(closed.json().session.closedBy, 'gm:gm-one');
  });

  test('malformed authorization headers are 401, not 500', async () => {
    for (const header of ['Bearer', 'Basic abc', 'Bearer a b', '']) {
      const res = await h.server.inject({ url: '/v1/jobs', headers: { authorization: header } });
      assert.equal(res.statusCode, 401, header);
    }
  });
});

describe('HTTP limits: rate limiting per token', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ limits: { rateLimitPerMinute: 5 } }, { workers: 0 });
  });
  after(async () => h.close());

  test('the sixth call in a minute is 429 for that token only', async () => {
    for (let i = 0; i < 5; i++)
      assert.equal((await h.server.inject({ url: '/v1/jobs', headers: auth('viewer') })).statusCode, 200);
    const limited = await h.server.inject({ url: '/v1/jobs', headers: auth('viewer') });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'rate_limited');
    assert.match(limited.json().error.message, /5 requests per minute/);
    assert.ok(limited.headers['retry-after']);
    assert.equal((await h.server.inject({ url: '/v1/jobs', headers: auth('admin') })).statusCode, 200);
    assert.equal((await h.server.inject({ url: '/healthz' })).statusCode, 200);
  });

  test('guessing tokens is throttled by address, however many tokens are tried', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await h.server.inject({
        url: '/v1/jobs',
        headers: { authorization: `Bearer guess-${i}-aaaaaaaaaaaaaaaa` },
        remoteAddress: '10.0.0.9',
      });
      statuses.push(res.statusCode);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
  });
});

describe('admin token bootstrap', () => {
  test('first start generates a 0600 token file; later starts reuse it; configured tokens win', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'afterword-token-'));
    try {
      const config = loadConfig({ dataDir: dir }, {});
      const first = await ensureAdminToken(config);
      assert.equal(first.generated, true);
      assert.ok(first.token && first.token.length >= 32);
      const file = join(dir, 'admin-token');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await readFile(file, 'utf8')).trim(), first.token);
      const second = await ensureAdminToken(config);
      assert.deepEqual([second.generated, second.token], [false, first.token]);
      const configured = await ensureAdminToken(
        loadConfig({ dataDir: dir, http: { tokens: [{ token: tokens.admin, role: 'admin', name: 'a' }] } }, {}),
      );
      assert.deepEqual([configured.generated, configured.token, configured.tokens.length], [false, null, 1]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
