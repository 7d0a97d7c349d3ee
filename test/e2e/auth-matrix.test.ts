import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { forEachStore, type StoreContext, type TestService } from '../support/harness.js';
import { tokenConfig, tokens } from './harness.js';

/**
 * The auth matrix (issue 9): every operation in /openapi.json, called by every kind of caller,
 * answers what the "Access matrix" table of docs/api.md says, on both stores. Session routes are
 * called on a session gm A created; each is called again by both gms on a session an admin
 * created (the takeover case): both must be refused, and the session must come out unchanged.
 *
 * The callers are a table: a new principal (a `moderator` token, say) is one line in `callers`
 * and one column in the docs table.
 */
interface Caller {
  /** The column heading in docs/api.md. */
  column: string;
  authorization?: string;
}

const callers: readonly Caller[] = [
  { column: 'no token' },
  { column: 'bad token', authorization: 'Bearer not-a-configured-token-0123456789' },
  { column: 'viewer', authorization: `Bearer ${tokens.viewer}` },
  { column: 'gm A', authorization: `Bearer ${tokens.gm}` },
  { column: 'gm B', authorization: `Bearer ${tokens.gm2}` },
  { column: 'moderator', authorization: `Bearer ${tokens.moderator}` },
  { column: 'admin', authorization: `Bearer ${tokens.admin}` },
];

/** `✓` allowed (any answer but 401/403: the call reached its handler), else the refusal's status. */
type Cell = '✓' | '401' | '403';

const cellOf = (status: number): Cell => (status === 401 ? '401' : status === 403 ? '403' : '✓');

/** The "Access matrix" table of docs/api.md: operation -> column -> expected cell. */
function documentedMatrix(): { columns: string[]; rows: Map<string, Map<string, Cell>> } {
  const doc = readFileSync(join(packageRoot, 'docs', 'api.md'), 'utf8');
  const start = doc.indexOf('<!-- auth-matrix:start -->');
  const end = doc.indexOf('<!-- auth-matrix:end -->');
  assert.ok(start >= 0 && end > start, 'docs/api.md has the auth matrix between its markers');
  const lines = doc
    .slice(start, end)
    .split('\n')
    .filter((l) => l.startsWith('|'));
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim().replace(/`/g, ''));
  const [header, , ...body] = lines;
  const columns = cells(header ?? '').slice(1);
  const rows = new Map<string, Map<string, Cell>>();
  for (const line of body) {
    const [operation, ...values] = cells(line);
    rows.set(operation ?? '', new Map(columns.map((c, i) => [c, values[i] as Cell])));
  }
  return { columns, rows };
}

interface Operation {
  method: string;
  path: string;
  key: string;
}

forEachStore('HTTP: the auth matrix', (suite) => {
  let service: TestService | undefined;
  let base = '';
  const open = async (ctx: StoreContext) => {
    if (!service) {
      service = await ctx.service({ limits: { rateLimitPerMinute: 100_000 }, http: { tokens: tokenConfig } }, { workers: 0 });
      base = await service.server.listen({ host: '127.0.0.1', port: 0 });
    }
    return service;
  };

  /** One call; the body is only read up to the status (event streams never end on their own). */
  const call = async (method: string, url: string, caller: Caller, body?: unknown) => {
    const controller = new AbortController();
    const res = await fetch(`${base}${url}`, {
      method,
      signal: controller.signal,
      headers: {
        ...(caller.authorization ? { authorization: caller.authorization } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const type = res.headers.get('content-type') ?? '';
    const text = type.includes('text/event-stream') ? '' : await res.text();
    controller.abort();
    return { status: res.status, text };
  };

  const operations = async (): Promise<Operation[]> => {
    const doc = JSON.parse((await call('GET', '/openapi.json', callers[0] as Caller)).text) as {
      paths: Record<string, Record<string, unknown>>;
    };
    return Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((m) => ['get', 'put', 'post', 'patch', 'delete'].includes(m))
        .map((m) => ({ method: m.toUpperCase(), path, key: `${m.toUpperCase()} ${path}` })),
    );
  };

  /** The URL and body for `op` on session `sessionId` (other ids are made up: 404 is "allowed"). */
  const request = (op: Operation, sessionId: string) => {
    const path = op.path.replace('{sessionId}', sessionId).replace(/\{[A-Za-z]+\}/g, 'matrix-x1');
    const query: Record<string, string> = {
      '/v1/events': `?sessionId=${sessionId}`,
      '/v1/lore/search': '?q=guild',
    };
    const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : {};
    return { url: `${path}${query[op.path] ?? ''}`, body };
  };

  suite.test('every operation in /openapi.json answers every caller as docs/api.md says', async (ctx) => {
    const s = await open(ctx);
    const { columns, rows } = documentedMatrix();
    assert.deepEqual(
      columns,
      callers.map((c) => c.column),
      'the docs table has one column per caller',
    );
    const ops = await operations();
    assert.ok(ops.length > 30, `only ${ops.length} operations`);
    const keys = () =>
      assert.deepEqual(
        ops.map((o) => o.key).sort(),
        [...rows.keys()].sort(),
        'the docs table has exactly one row per operation of /openapi.json (PRINT_MATRIX=1 prints the observed rows)',
      );
    const owned = 'matrix-owned-by-a';
    assert.equal((await call('PUT', `/v1/sessions/${owned}`, callers[3] as Caller, {})).status, 201);
    const observed: string[] = [];
    const mismatches: string[] = [];
    for (const op of ops) {
      const cells: Cell[] = [];
      for (const caller of callers) {
        const { url, body } = request(op, owned);
        const { status, text } = await call(op.method, url, caller, body);
        // /readyz says 503 while no workers run (this service has none): an answer, not a failure.
        assert.ok(status < 500 || (op.path === '/readyz' && status === 503), `${caller.column} ${op.key}: ${status} ${text}`);
        const cell = cellOf(status);
        cells.push(cell);
        const expected = rows.get(op.key)?.get(caller.column);
        if (cell !== expected) mismatches.push(`${op.key} as ${caller.column}: ${status} (docs say ${expected}) ${text}`);
      }
      observed.push(`| \`${op.key}\` | ${cells.join(' | ')} |`);
    }
    // A new route: run with PRINT_MATRIX=1, check the printed rows are what you meant, paste them.
    if (process.env.PRINT_MATRIX) console.log(observed.sort().join('\n'));
    keys();
    assert.deepEqual(mismatches, [], `observed:\n${observed.sort().join('\n')}`);
    assert.equal((await s.app.sessions.summary(owned)).owner, 'gm-one');
  });

  suite.test('takeover: no gm may call any session route on a session an admin created', async (ctx) => {
    const s = await open(ctx);
    const admin = callers.find((c) => c.column === 'admin') as Caller;
    const unowned = 'matrix-unowned';
    const context = { character: { name: 'Keeper' } };
    assert.equal((await call('PUT', `/v1/sessions/${unowned}`, admin, { context })).status, 201);
    const { rows } = documentedMatrix();
    const sessionOps = (await operations()).filter((o) => o.path.includes('{sessionId}') || o.path === '/v1/events');
    assert.ok(sessionOps.length >= 10);
    for (const op of sessionOps) {
      for (const gm of callers.filter((c) => c.column.startsWith('gm '))) {
        const { url, body } = request(op, unowned);
        const { status, text } = await call(op.method, url, gm, body);
        // On a session it does not own, every gm is what gm B is on gm A's session.
        assert.equal(cellOf(status), rows.get(op.key)?.get('gm B'), `${gm.column} ${op.key}: ${status} ${text}`);
        assert.equal(cellOf(status), '403', `${gm.column} ${op.key} on an unowned session: ${status}`);
      }
    }
    const after = await s.app.sessions.summary(unowned);
    assert.deepEqual([after.owner, after.status, after.turnCount, after.context], [null, 'active', 0, context]);
  });
});
