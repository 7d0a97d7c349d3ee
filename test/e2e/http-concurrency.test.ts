import assert from 'node:assert/strict';
import { forEachStore, type TestService } from '../support/harness.js';
import { auth, tokenConfig } from './harness.js';

/**
 * Real parallel HTTP requests on one session, on both stores (issue 9, item 1): concurrent
 * appends, retries and closes answer only 2xx or 409; every accepted turn is stored exactly once
 * with a unique seq; an append that loses the race to a close gets 409. Before the session row
 * was locked for the append, PostgreSQL answered most of these with 500 (`turns_pkey`).
 */
const parallel = 20;

interface Answer {
  status: number;
  body: any;
}

forEachStore('HTTP: concurrent writes on one session', (suite) => {
  let service: TestService | undefined;
  let base = '';

  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth('admin'), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const turn = (turnId: string, text = `Line ${turnId}.`) => ({ turnId, speaker: 'gm', text });
  const transcript = async (sessionId: string) =>
    (await call('GET', `/v1/sessions/${sessionId}/transcript?limit=10000`)).body.items as Array<{
      seq: number;
      turnId: string;
    }>;
  const assertUniqueSeqs = (turns: Array<{ seq: number; turnId: string }>) => {
    assert.deepEqual(
      turns.map((t) => t.seq),
      turns.map((_, i) => i + 1),
      'seqs are 1..n, each once',
    );
    assert.equal(new Set(turns.map((t) => t.turnId)).size, turns.length, 'each turn stored once');
  };

  const open = async (ctx: Parameters<Parameters<typeof suite.test>[1]>[0]) => {
    if (!service) {
      service = await ctx.service({ limits: { rateLimitPerMinute: 100_000 }, http: { tokens: tokenConfig } }, { workers: 0 });
      base = await service.server.listen({ host: '127.0.0.1', port: 0 });
    }
    return service;
  };

  suite.test(`${parallel} parallel appends of distinct turns are all stored once, with unique seqs`, async (ctx) => {
    await open(ctx);
    assert.equal((await call('PUT', '/v1/sessions/par-distinct', {})).status, 201);
    const answers = await Promise.all(
      Array.from({ length: parallel }, (_, i) => call('POST', '/v1/sessions/par-distinct/turns', { turns: [turn(`d${i}`)] })),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      answers.map(() => 200),
      JSON.stringify(answers.filter((a) => a.status !== 200)),
    );
    const stored = await transcript('par-distinct');
    assert.equal(stored.length, parallel);
    assertUniqueSeqs(stored);
    assert.deepEqual(stored.map((t) => t.turnId).sort(), Array.from({ length: parallel }, (_, i) => `d${i}`).sort());
    assert.equal((await call('GET', '/v1/sessions/par-distinct')).body.turnCount, parallel);
  });

  suite.test(`${parallel} identical retries of one turn store it once and all answer 200`, async (ctx) => {
    await open(ctx);
    assert.equal((await call('PUT', '/v1/sessions/par-retry', {})).status, 201);
    const answers = await Promise.all(
      Array.from({ length: parallel }, () => call('POST', '/v1/sessions/par-retry/turns', { turns: [turn('r1'), turn('r2')] })),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      answers.map(() => 200),
      JSON.stringify(answers.filter((a) => a.status !== 200)),
    );
    assert.equal(
      answers.reduce((n, a) => n + a.body.appended, 0),
      2,
      'the two turns were appended once in all',
    );
    const stored = await transcript('par-retry');
    assert.deepEqual(
      stored.map((t) => t.turnId),
      ['r1', 'r2'],
    );
    assertUniqueSeqs(stored);
  });

  suite.test('appends racing a close: 200 or 409, never 5xx; the close wins once; no accepted turn is lost', async (ctx) => {
    await open(ctx);
    assert.equal((await call('PUT', '/v1/sessions/par-close', {})).status, 201);
    assert.equal((await call('POST', '/v1/sessions/par-close/turns', { turns: [turn('first')] })).status, 200);
    const appends = Array.from({ length: parallel }, (_, i) =>
      call('POST', '/v1/sessions/par-close/turns', { turns: [turn(`c${i}`)] }),
    );
    const closes = Array.from({ length: 3 }, () => call('POST', '/v1/sessions/par-close/close', { reason: 'race' }));
    const appended = await Promise.all(appends);
    const closed = await Promise.all(closes);
    for (const a of appended) {
      assert.ok(a.status === 200 || a.status === 409, `append answered ${a.status}: ${JSON.stringify(a.body)}`);
      if (a.status === 409) assert.equal(a.body.error.code, 'session_closed');
    }
    assert.deepEqual(
      closed.map((c) => c.status).sort(),
      [200, 200, 202],
      `closes answered ${JSON.stringify(closed.map((c) => [c.status, c.body?.error]))}`,
    );
    const jobIds = new Set(closed.map((c) => c.body.closureJob.jobId));
    assert.equal(jobIds.size, 1, 'every close returns the one closure job');
    const stored = await transcript('par-close');
    assertUniqueSeqs(stored);
    const accepted = appended.flatMap((a, i) => (a.status === 200 ? [`c${i}`] : []));
    const refused = appended.flatMap((a, i) => (a.status === 409 ? [`c${i}`] : []));
    const ids = stored.map((t) => t.turnId);
    for (const id of accepted) assert.ok(ids.includes(id), `accepted turn ${id} is stored`);
    for (const id of refused) assert.ok(!ids.includes(id), `refused turn ${id} is not stored`);
    // The closure's provenance turn is the last one: nothing was appended after the close.
    assert.match(ids[ids.length - 1] ?? '', /^closure\./);
    const after = await call('POST', '/v1/sessions/par-close/turns', { turns: [turn('late')] });
    assert.equal(after.status, 409);
  });

  suite.test('many parallel closes of one session queue one closure job', async (ctx) => {
    await open(ctx);
    assert.equal((await call('PUT', '/v1/sessions/par-closes', {})).status, 201);
    const closed = await Promise.all(Array.from({ length: 10 }, () => call('POST', '/v1/sessions/par-closes/close', {})));
    assert.deepEqual(
      closed.map((c) => c.status).sort(),
      [200, 200, 200, 200, 200, 200, 200, 200, 200, 202],
      JSON.stringify(closed.filter((c) => c.status >= 300)),
    );
    assert.equal(new Set(closed.map((c) => c.body.closureJob.jobId)).size, 1);
    const stored = await transcript('par-closes');
    assert.equal(stored.filter((t) => t.turnId.startsWith('closure.')).length, 1);
  });
});
