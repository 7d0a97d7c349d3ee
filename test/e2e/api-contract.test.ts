/**
 * The API's output contract (issue 13, items 5 and 6): every instant leaves as an ISO 8601 UTC
 * string (HTTP answers, the event stream, CLI --json), inputs still take epoch ms or ISO; and the
 * OpenAPI document is complete: every operation named, with a documented 2xx and the shared error
 * envelope for its 4xx, and every instant field typed `string`/`date-time`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isTimestampField, withIsoTimestamps } from '../../src/clock.js';
import { packageRoot } from '../../src/paths.js';
import { auth, type Harness, startHarness, waitFor } from './harness.js';
import { SseClient } from './sse-client.js';

const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('timestamps: one convention, applied at the output edge', () => {
  test('withIsoTimestamps rewrites instant fields only, at any depth, and leaves client data alone', () => {
    const out = withIsoTimestamps({
      createdAt: 0,
      nested: [{ runAt: 1_767_225_600_000, count: 3, label: 'x' }],
      timestamp: 1_767_225_600_000,
      cadence: { escalations: [1_767_225_600_000], nextBatchAt: null },
      context: { startedAt: 5 },
      metadata: { updatedAt: 6 },
      durationMs: 1500,
      already: { closedAt: '2026-01-01T00:00:00.000Z' },
      huge: { expiresAt: 1e300 },
    });
    assert.deepEqual(out, {
      createdAt: '1970-01-01T00:00:00.000Z',
      nested: [{ runAt: '2026-01-01T00:00:00.000Z', count: 3, label: 'x' }],
      timestamp: '2026-01-01T00:00:00.000Z',
      cadence: { escalations: ['2026-01-01T00:00:00.000Z'], nextBatchAt: null },
      context: { startedAt: 5 },
      metadata: { updatedAt: 6 },
      durationMs: 1500,
      already: { closedAt: '2026-01-01T00:00:00.000Z' },
      huge: { expiresAt: 1e300 },
    });
    assert.ok(isTimestampField('nextDigestAt') && isTimestampField('timestamp'));
    assert.ok(!isTimestampField('durationMs') && !isTimestampField('At') && !isTimestampField('format'));
  });
});

describe('the HTTP API and the event stream answer ISO 8601 instants', () => {
  let h: Harness;
  let base: string;
  before(async () => {
    h = await startHarness({}, { workers: 1 });
    base = await h.server.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => h.close());

  const req = async (method: string, url: string, payload?: unknown) =>
    h.server.inject({ method: method as 'GET', url, headers: auth('admin'), ...(payload ? { payload: payload as object } : {}) });

  test('session, turns (epoch-ms and ISO input), close, job and stream carry ISO strings', async () => {
    const put = await req('PUT', '/v1/sessions/iso-1', { context: { startedAt: 12 } });
    assert.equal(put.statusCode, 201, put.body);
    const session = put.json().session;
    assert.match(session.createdAt, iso);
    assert.match(session.updatedAt, iso);
    assert.equal(session.context.startedAt, 12, 'client metadata is passed as sent');

    const stream = await SseClient.open(`${base}/v1/events?prefix=session.&sessionId=iso-1`, {
      authorization: auth('admin').authorization,
    });
    try {
      const turns = await req('POST', '/v1/sessions/iso-1/turns', {
        turns: [
          { turnId: 't1', speaker: 'gm', text: 'The bell tolls.', timestamp: 1_767_225_600_000 },
          { turnId: 't2', speaker: 'player', text: 'I listen.', timestamp: '2026-01-01T00:00:05.000Z' },
        ],
      });
      assert.equal(turns.statusCode, 200, turns.body);
      const transcript = (await req('GET', '/v1/sessions/iso-1/transcript')).json().items;
      assert.deepEqual(
        transcript.map((t: { timestamp: string }) => t.timestamp),
        ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:05.000Z'],
      );

      const closed = await req('POST', '/v1/sessions/iso-1/close', { reason: 'iso' });
      assert.equal(closed.statusCode, 202, closed.body);
      assert.match(closed.json().session.closedAt, iso);
      assert.match(closed.json().closureJob.enqueuedAt, iso);
      assert.match(closed.json().closureJob.runAt, iso);
      const jobId = closed.json().closureJob.jobId as string;
      const done = await waitFor(
        async () => {
          const job = (await req('GET', `/v1/jobs/${jobId}`)).json();
          return job.job.status === 'completed' ? job : null;
        },
        'the closure job',
        30_000,
      );
      assert.match(done.job.completedAt, iso);
      assert.ok(done.steps.length > 0 && done.steps.every((s: { startedAt: string }) => iso.test(s.startedAt)));
      assert.ok(done.attempts.every((a: { startedAt: string }) => iso.test(a.startedAt)));
      const schedule = (await req('GET', '/v1/sessions/iso-1/publishing')).json();
      assert.match(schedule.cadence.nextBatchAt, iso);
      assert.ok(schedule.cadence.escalations.every((e: string) => iso.test(e)));

      await stream.until((c) => c.events().some((e) => e.topic === 'session.closed'), 'the session.closed event');
      const event = stream.events().find((e) => e.topic === 'session.closed') as unknown as { createdAt: string };
      assert.match(event.createdAt, iso);
    } finally {
      stream.close();
    }
  });
});

describe('CLI --json prints ISO 8601 instants', () => {
  const dir = mkdtempSync(join(tmpdir(), 'afterword-cli-iso-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) => {
    const result = spawnSync(
      process.execPath,
      [join(packageRoot, 'build', 'src', 'cli', 'main.js'), '--data', join(dir, 'data'), ...args],
      {
        encoding: 'utf8',
        env: { ...process.env, AFTERWORD_LOG_LEVEL: 'silent' },
      },
    );
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout);
  };

  test('import and session show', () => {
    const file = join(dir, 'session.json');
    writeFileSync(
      file,
      JSON.stringify({ sessionId: 'cli-iso', turns: [{ turnId: 't1', speaker: 'gm', text: 'Rain.', timestamp: 0 }] }),
    );
    const imported = run('--json', 'import', file, '--close');
    assert.match(imported.closureJob.enqueuedAt, iso);
    const shown = run('--json', 'session', 'cli-iso');
    assert.match(shown.session.createdAt, iso);
    assert.match(shown.session.closedAt, iso);
  });
});

describe('the OpenAPI document is complete', () => {
  let h: Harness;
  let doc: any;
  before(async () => {
    h = await startHarness({}, { workers: 0 });
    doc = (await h.server.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  after(async () => h.close());

  const resolve = (schema: any): any => {
    if (schema?.$ref) return doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
    return schema;
  };
  /** Every property schema reachable from `schema`, with its name. */
  const properties = (schema: any, seen = new Set<any>()): Array<[string, any]> => {
    const s = resolve(schema);
    if (!s || typeof s !== 'object' || seen.has(s)) return [];
    seen.add(s);
    const out: Array<[string, any]> = [];
    for (const [name, child] of Object.entries<any>(s.properties ?? {})) out.push([name, child], ...properties(child, seen));
    for (const key of ['items', 'additionalProperties'] as const)
      if (typeof s[key] === 'object') out.push(...properties(s[key], seen));
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) for (const part of s[key] ?? []) out.push(...properties(part, seen));
    return out;
  };

  test('every operation: an operationId, a described 2xx with a schema, the error envelope for each 4xx', () => {
    const problems: string[] = [];
    for (const [path, methods] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(methods)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (!op.operationId) problems.push(`${name}: no operationId`);
        const responses = Object.entries<any>(op.responses ?? {});
        const ok = responses.filter(([status]) => status.startsWith('2'));
        if (ok.length === 0) problems.push(`${name}: no 2xx response`);
        for (const [status, response] of ok) {
          const content = Object.values<any>(response.content ?? {});
          if (content.length === 0 || !content.every((c) => c.schema)) problems.push(`${name} ${status}: no schema`);
          if (!response.description || response.description === 'Default Response')
            problems.push(`${name} ${status}: no description`);
        }
        const failures = responses.filter(([status]) => status.startsWith('4'));
        if (failures.length === 0) problems.push(`${name}: no 4xx response`);
        for (const [status, response] of failures) {
          if (response.content?.['application/json']?.schema?.$ref !== '#/components/schemas/Error')
            problems.push(`${name} ${status}: not the Error envelope`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test('every instant field in a response schema is a date-time string', () => {
    const problems: string[] = [];
    const check = (where: string, schema: any) => {
      for (const [name, prop] of properties(schema)) {
        if (!isTimestampField(name)) continue;
        const p = resolve(prop);
        const types = [p?.type].flat();
        if (!types.includes('string') || types.some((t) => t !== 'string' && t !== 'null') || p.format !== 'date-time')
          problems.push(`${where}: ${name} is ${JSON.stringify(p)}`);
      }
    };
    for (const [path, methods] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(methods))
        for (const [status, response] of Object.entries<any>(op.responses ?? {}))
          for (const content of Object.values<any>(response.content ?? {}))
            check(`${method.toUpperCase()} ${path} ${status}`, content.schema);
    for (const [name, schema] of Object.entries<any>(doc.components.schemas)) check(`components.schemas.${name}`, schema);
    assert.deepEqual(problems, []);
  });
});
