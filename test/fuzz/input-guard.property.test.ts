/**
 * The property layer under the schemathesis suite: fast-check sends random JSON values, random
 * text and random ids to the session and turn routes of the real HTTP server (both stores) and
 * asserts what every answer must satisfy whatever the input: never a 5xx, every 4xx the error
 * envelope `{error: {code, message}}`, every 400 naming at least one field.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tokenConfig, tokens } from '../e2e/harness.js';
import { forEachStore } from '../support/harness.js';

type Inject = (options: {
  method: 'GET' | 'PUT' | 'POST';
  url: string;
  headers?: Record<string, string>;
  payload?: string;
}) => Promise<{ statusCode: number; body: string }>;

/** The answer satisfies the contract; otherwise a message saying how it does not. */
function envelopeProblem(status: number, body: string): string | null {
  if (status >= 500) return `answered ${status}`;
  if (status < 400) return null;
  let parsed: any;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `${status} without a JSON body`;
  }
  const error = parsed?.error;
  if (typeof error?.code !== 'string' || error.code === '') return `${status} without error.code`;
  if (typeof error.message !== 'string') return `${status} without error.message`;
  if (status === 400) {
    const issues = error.issues;
    if (!Array.isArray(issues) || issues.length === 0) return `400 ${error.code} names no field`;
    if (!issues.every((i: any) => typeof i?.field === 'string' && i.field !== ''))
      return `400 ${error.code}: an issue without a field`;
  }
  return null;
}

async function expectContract(inject: Inject, request: Parameters<Inject>[0]): Promise<void> {
  const res = await inject(request);
  const problem = envelopeProblem(res.statusCode, res.body);
  assert.equal(
    problem,
    null,
    `${request.method} ${request.url} ${String(request.payload ?? '').slice(0, 300)} -> ${res.statusCode} ${res.body.slice(0, 300)}`,
  );
}

/** JSON values that look like what the routes expect, with hostile leaves mixed in. */
const hostileString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff x', '"', '""""', '%00', '../..', ' ', '', '\u202e'),
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e19, -1e19, 2 ** 53, 3_000_000_000, -1, 0, Number.MAX_VALUE),
);
const leaf = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null));
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('node'), { maxKeys: 4 }),
  ),
})).node;
const turn = fc.record(
  {
    turnId: fc.oneof(hostileString, hostileNumber),
    speaker: fc.oneof(fc.constantFrom('gm', 'player', 'npc'), hostileString),
    text: fc.oneof(hostileString, value),
    sceneId: fc.oneof(hostileString, value),
    timestamp: fc.oneof(
      hostileNumber,
      hostileString,
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    ),
    metadata: value,
  },
  { requiredKeys: [] },
);
const turnsBody = fc.oneof(
  fc.record({ turns: fc.array(fc.oneof(turn, value), { maxLength: 5 }) }),
  fc.record({ turns: value }),
  value,
);
const sessionBody = fc.oneof(fc.record({ context: value }, { requiredKeys: [] }), value);
const rawBody = fc.oneof(
  turnsBody.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
  fc.constantFrom('{', '[]', 'null', '{"turns": [', '\u0000', '{"a":1}{"b":2}', `{"turns":${'['.repeat(3000)}`),
);
const sessionId = fc.oneof(
  fc.constantFrom('prop-known', 'prop-other', '%raw:%FF', '%raw:%00', '%raw:a%ED%A0%80b', '%raw:%E0%80%AF', '%raw:..%2F..%2F'),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,140}$/),
  hostileString.filter((s) => s.length > 0),
);
const who = fc.constantFrom<keyof typeof tokens | null>('admin', 'gm', 'gm2', 'viewer', null);
const headersFor = (token: keyof typeof tokens | null, contentType = 'application/json'): Record<string, string> => ({
  'content-type': contentType,
  ...(token ? { authorization: `Bearer ${tokens[token]}` } : {}),
});
/** Percent-encode an id; a lone surrogate (which encodeURIComponent refuses) goes as raw invalid UTF-8 bytes. */
function encodeId(id: string): string {
  if (id.startsWith('%raw:')) return id.slice(5);
  if (!/[\ud800-\udfff]/.test(id)) return encodeURIComponent(id);
  let out = '';
  for (const ch of id) {
    const code = ch.codePointAt(0) ?? 0;
    out +=
      code >= 0xd800 && code <= 0xdfff
        ? `%ED%${(0xa0 + ((code >> 6) & 0x1f)).toString(16)}%${(0x80 + (code & 0x3f)).toString(16)}`
        : encodeURIComponent(ch);
  }
  return out;
}
const path = (id: string, suffix = '') => `/v1/sessions/${encodeId(id)}${suffix}`;

/** fc.assert, with the failing assertion's message in the error the runner prints. */
async function check(property: fc.IAsyncProperty<any>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property, { numRuns });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    throw new Error(`${(error as Error).message}\n${cause instanceof Error ? cause.message : String(cause ?? '')}`);
  }
}

forEachStore('input guard properties (fast-check) on the session and turn routes', (suite) => {
  const numRuns = Number(process.env.AFTERWORD_PROPERTY_RUNS ?? 150);

  suite.test(
    'random JSON to PUT /v1/sessions/{id} and POST .../turns: never 5xx, always the envelope',
    async (ctx) => {
      const h = await ctx.service({ http: { tokens: tokenConfig } }, { workers: 0 });
      const inject = h.server.inject.bind(h.server) as unknown as Inject;
      for (const id of ['prop-known', 'prop-other']) {
        const res = await inject({ method: 'PUT', url: path(id), headers: headersFor('gm'), payload: '{}' });
        assert.ok(res.statusCode < 300, res.body);
      }
      await check(
        fc.asyncProperty(sessionId, who, turnsBody, async (id, token, body) => {
          await expectContract(inject, {
            method: 'POST',
            url: path(id, '/turns'),
            headers: headersFor(token),
            payload: JSON.stringify(body),
          });
        }),
        numRuns,
      );
      await check(
        fc.asyncProperty(sessionId, who, sessionBody, async (id, token, body) => {
          await expectContract(inject, {
            method: 'PUT',
            url: path(id),
            headers: headersFor(token),
            payload: JSON.stringify(body),
          });
        }),
        numRuns,
      );
    },
    { timeout: 120_000 },
  );

  suite.test(
    'random text, encodings and content types to the session routes: never 5xx, always the envelope',
    async (ctx) => {
      const h = await ctx.service({ http: { tokens: tokenConfig } }, { workers: 0 });
      const inject = h.server.inject.bind(h.server) as unknown as Inject;
      await inject({ method: 'PUT', url: path('prop-known'), headers: headersFor('admin'), payload: '{}' });
      const route = fc.constantFrom(
        { method: 'POST' as const, suffix: '/turns' },
        { method: 'POST' as const, suffix: '/changes' },
        { method: 'POST' as const, suffix: '/close' },
        { method: 'PUT' as const, suffix: '' },
      );
      const contentType = fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
      );
      await check(
        fc.asyncProperty(sessionId, route, contentType, rawBody, async (id, r, type, payload) => {
          // Close only the sessions nobody else uses, so the other properties keep an open session.
          const target = r.suffix === '/close' && id === 'prop-known' ? 'prop-closing' : id;
          await expectContract(inject, {
            method: r.method,
            url: path(target, r.suffix),
            headers: headersFor('admin', type),
            payload,
          });
        }),
        numRuns,
      );
      const query = fc.record(
        {
          limit: fc.oneof(fc.string({ maxLength: 12 }), fc.integer().map(String)),
          cursor: fc.oneof(fc.string({ maxLength: 40 }), fc.base64String({ maxLength: 40 })),
          afterSeq: fc.oneof(fc.string({ maxLength: 12 }), hostileNumber.map(String)),
        },
        { requiredKeys: [] },
      );
      const readSuffix = fc.constantFrom('', '/transcript', '/history', '/summary');
      await check(
        fc.asyncProperty(sessionId, readSuffix, query, who, async (id, suffix, q, token) => {
          const search = new URLSearchParams(q as Record<string, string>).toString();
          await expectContract(inject, {
            method: 'GET',
            url: `${path(id, suffix)}${search ? `?${search}` : ''}`,
            headers: headersFor(token),
          });
        }),
        numRuns,
      );
    },
    { timeout: 120_000 },
  );
});
