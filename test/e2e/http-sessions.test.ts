import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auth, type Harness, sampleTurns, startHarness, waitFor } from './harness.js';

describe('HTTP sessions: create, append, close, read', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ limits: { maxTurnsPerRequest: 10, maxBodyBytes: 4096 } });
  });
  after(async () => h.close());

  const req = (method: string, url: string, payload?: unknown, who: 'admin' | 'gm' | 'gm2' | 'viewer' = 'admin') =>
    h.server.inject({
      method: method as 'GET',
      url,
      headers: auth(who),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  test('PUT creates (201) then replaces metadata (200)', async () => {
    const created = await req('PUT', '/v1/sessions/life-1', { context: { character: { name: 'Ana' }, tags: ['a'] } });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().session.sessionId, 'life-1');
    assert.equal(created.json().session.status, 'active');
    const replaced = await req('PUT', '/v1/sessions/life-1', { character: { name: 'Ana Maria' } });
    assert.equal(replaced.statusCode, 200);
    assert.equal(replaced.json().session.context.character.name, 'Ana Maria');
  });

  test('turns are appended idempotently by turnId; a conflicting turn is refused whole', async () => {
    const first = await req('POST', '/v1/sessions/life-1/turns', { turns: sampleTurns(6) });
    assert.equal(first.statusCode, 200);
    assert.deepEqual(first.json(), { sessionId: 'life-1', appended: 6, duplicates: 0, turnCount: 6 });
    const again = await req('POST', '/v1/sessions/life-1/turns', { turns: sampleTurns(8) });
    assert.deepEqual(again.json(), { sessionId: 'life-1', appended: 2, duplicates: 6, turnCount: 8 });
    const conflict = await req('POST', '/v1/sessions/life-1/turns', {
      turns: [{ turnId: 't1', speaker: 'gm', text: 'different' }],
    });
    assert.equal(conflict.statusCode, 409);
    assert.equal(conflict.json().error.code, 'turn_conflict');
    assert.equal(conflict.json().error.issues[0].field, 'turns[0].turnId');
  });

  test('a bad turn names its field; nothing is written', async () => {
    const bad = await req('POST', '/v1/sessions/life-1/turns', {
      turns: [
        { turnId: 'x1', speaker: 'gm', text: 'ok' },
        { turnId: 'x2', speaker: 'gm', text: 42 },
      ],
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'invalid_input');
    assert.deepEqual(bad.json().error.issues, [{ field: 'turns[1].text', reason: 'must be a string' }]);
    const transcript = await req('GET', '/v1/sessions/life-1/transcript');
    assert.equal(transcript.json().items.length, 8);
  });

  test('precomputed entity annotations are validated, naming the field; good ones are stored', async () => {
    const bad = await req('POST', '/v1/sessions/life-1/turns', {
      turns: [
        {
          turnId: 'ann-1',
          speaker: 'gm',
          text: 'Veyla waits.',
          metadata: { entities: [{ name: 'Veyla', type: 'PERSON', span: [0, 99] }, { type: 'ORG' }] },
        },
      ],
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'invalid_input');
    assert.deepEqual(
      bad.json().error.issues.map((i: { field: string }) => i.field),
      ['turns[0].metadata.entities[0].span', 'turns[0].metadata.entities[1].name'],
    );
    const notArray = await req('POST', '/v1/sessions/life-1/turns', {
      turns: [{ turnId: 'ann-1', speaker: 'gm', text: 'x', metadata: { entities: 'Veyla' } }],
    });
    assert.equal(notArray.json().error.issues[0].field, 'turns[0].metadata.entities');
    const ok = await req('POST', '/v1/sessions/life-1/turns', {
      turns: [
        {
          turnId: 'ann-1',
          speaker: 'gm',
          text: 'Veyla waits.',
          metadata: { entities: [{ name: 'Veyla', type: 'PERSON', span: [0, 5] }] },
        },
      ],
    });
    assert.equal(ok.statusCode, 200);
  });

  test('turns per request are limited', async () => {
    const res = await req('POST', '/v1/sessions/life-1/turns', { turns: sampleTurns(11, 'big') });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'invalid_input');
    assert.equal(res.json().error.issues[0].field, 'turns');
    assert.match(res.json().error.issues[0].reason, /10/);
  });

  test('changes get cursors', async () => {
    const res = await req('POST', '/v1/sessions/life-1/changes', {
      changes: [
        { kind: 'momentum', payload: { delta: 1 } },
        { kind: 'flag', safetyFlags: ['violence'] },
      ],
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().cursors, [1, 2]);
    const bad = await req('POST', '/v1/sessions/life-1/changes', { changes: [{ payload: {} }] });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.issues[0].field, 'changes[0].kind');
  });

  test('close answers 202 with the job, then 200 with the same job; the workflow completes', async () => {
    const closed = await req('POST', '/v1/sessions/life-1/close', { reason: 'player finished' });
    assert.equal(closed.statusCode, 202);
    const job = closed.json().closureJob;
    assert.equal(closed.json().session.status, 'closed');
    assert.ok(['queued', 'processing', 'completed'].includes(job.status), job.status);
    const again = await req('POST', '/v1/sessions/life-1/close');
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().closureJob.jobId, job.jobId);
    await waitFor(
      async () => (await req('GET', `/v1/sessions/life-1`)).json().offlineLastRun?.status === 'completed',
      'reconciliation',
    );
    const summary = await req('GET', '/v1/sessions/life-1');
    assert.equal(summary.json().offlinePending, false);
    assert.equal(summary.json().closureReason, 'player finished');
    const story = await req('GET', '/v1/sessions/life-1/summary');
    assert.equal(story.statusCode, 200);
    assert.equal(story.json().version, 1);
    const history = await req('GET', '/v1/sessions/life-1/history');
    assert.equal(history.json().items.length, 1);
    assert.equal(history.json().items[0].jobId, job.jobId);
    const mentions = await req('GET', '/v1/sessions/life-1/mentions');
    assert.ok(Array.isArray(mentions.json().items));
    const missing = await req('GET', '/v1/sessions/life-1/summary?version=9');
    assert.equal(missing.statusCode, 404);
  });

  test('writes to a closed session are refused with 409', async () => {
    const res = await req('POST', '/v1/sessions/life-1/turns', { turns: sampleTurns(1, 'late') });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'session_closed');
  });

  test('transcript pages with afterSeq', async () => {
    const page = await req('GET', '/v1/sessions/life-1/transcript?afterSeq=3&limit=2');
    assert.deepEqual(
      page.json().items.map((t: { seq: number }) => t.seq),
      [4, 5],
    );
  });

  test('list paginates with a cursor and filters by status', async () => {
    for (let i = 0; i < 3; i++) await req('PUT', `/v1/sessions/page-${i}`, {});
    const first = await req('GET', '/v1/sessions?status=active&limit=2');
    assert.equal(first.statusCode, 200);
    assert.equal(first.json().items.length, 2);
    assert.ok(first.json().nextCursor);
    const second = await req('GET', `/v1/sessions?status=active&limit=2&cursor=${first.json().nextCursor}`);
    assert.equal(second.json().items.length, 1);
    const closed = await req('GET', '/v1/sessions?status=closed');
    assert.deepEqual(
      closed.json().items.map((s: { sessionId: string }) => s.sessionId),
      ['life-1'],
    );
    const badStatus = await req('GET', '/v1/sessions?status=open');
    assert.equal(badStatus.statusCode, 400);
    assert.equal(badStatus.json().error.issues[0].field, 'query.status');
  });

  test('client mistakes are 4xx with a code, never 500', async () => {
    const badJson = await h.server.inject({
      method: 'POST',
      url: '/v1/sessions/life-2/turns',
      headers: { ...auth('admin'), 'content-type': 'application/json' },
      payload: '{"turns": [',
    });
    assert.equal(badJson.statusCode, 400);
    assert.equal(badJson.json().error.code, 'invalid_json');
    const tooLarge = await h.server.inject({
      method: 'PUT',
      url: '/v1/sessions/life-2',
      headers: { ...auth('admin'), 'content-type': 'application/json' },
      payload: JSON.stringify({ notes: 'x'.repeat(5000) }),
    });
    assert.equal(tooLarge.statusCode, 413);
    assert.equal(tooLarge.json().error.code, 'payload_too_large');
    const unknown = await req('GET', '/v1/nothing-here');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'not_found');
    const unknownAnon = await h.server.inject({ method: 'GET', url: '/v1/nothing-here' });
    assert.equal(unknownAnon.statusCode, 404);
    const badId = await req('PUT', '/v1/sessions/bad%20id', {});
    assert.equal(badId.statusCode, 400);
    assert.equal(badId.json().error.issues[0].field, 'params.sessionId');
    const missingField = await req('POST', '/v1/sessions/life-2/turns', {});
    assert.equal(missingField.statusCode, 400);
    assert.deepEqual(missingField.json().error.issues[0], { field: 'turns', reason: 'is required' });
    const notArray = await req('POST', '/v1/sessions/life-2/turns', { turns: 'hello' });
    assert.equal(notArray.statusCode, 400);
    assert.match(notArray.json().error.issues[0].field, /^turns/);
    const noSession = await req('POST', '/v1/sessions/ghost/turns', { turns: sampleTurns(1) });
    assert.equal(noSession.statusCode, 404);
    assert.equal(noSession.json().error.code, 'session_not_found');
    const closeGhost = await req('POST', '/v1/sessions/ghost/close');
    assert.equal(closeGhost.statusCode, 404);
    const extra = await req('POST', '/v1/sessions/life-1/close', { reason: 'x', surprise: true });
    assert.equal(extra.statusCode, 400);
    assert.equal(extra.json().error.issues[0].field, 'surprise');
    const wrongType = await h.server.inject({
      method: 'POST',
      url: '/v1/sessions/life-1/turns',
      headers: { ...auth('admin'), 'content-type': 'application/xml' },
      payload: '<turns/>',
    });
    assert.equal(wrongType.statusCode, 415);
    assert.equal(wrongType.json().error.code, 'unsupported_media_type');
  });
});
