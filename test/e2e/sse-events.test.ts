import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auth, type Harness, sampleTurns, startHarness, tokens } from './harness.js';
import { SseClient } from './sse-client.js';

describe('GET /v1/events: server-sent events', () => {
  let h: Harness;
  let base: string;
  before(async () => {
    h = await startHarness({}, { server: { events: { heartbeatMs: 100 } } });
    base = await h.server.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => h.close());

  const closeSession = async (sessionId: string) => {
    await h.server.inject({ method: 'PUT', url: `/v1/sessions/${sessionId}`, headers: auth('admin'), payload: {} });
    await h.server.inject({
      method: 'POST',
      url: `/v1/sessions/${sessionId}/turns`,
      headers: auth('admin'),
      payload: { turns: sampleTurns(3) },
    });
    const res = await h.server.inject({ method: 'POST', url: `/v1/sessions/${sessionId}/close`, headers: auth('admin') });
    return res.json().closureJob.jobId as string;
  };
  const completed = (sessionId: string) => (c: SseClient) =>
    c.events().some((e) => e.topic === 'offline.sessionClosure.completed' && e.sessionId === sessionId);

  test('streams the closure lifecycle live, with ids, heartbeats and the right headers', async () => {
    const client = await SseClient.open(`${base}/v1/events?prefix=offline.`, auth('viewer'));
    try {
      assert.equal(client.status, 200);
      assert.match(String(client.headers['content-type']), /text\/event-stream/);
      const jobId = await closeSession('sse-1');
      await client.until(completed('sse-1'), 'completion of sse-1');
      const mine = client.events().filter((e) => e.jobId === jobId);
      const topics = mine.map((e) => e.topic);
      assert.deepEqual(
        topics.filter((t) => !t.endsWith('.step')),
        ['offline.sessionClosure.queued', 'offline.sessionClosure.started', 'offline.sessionClosure.completed'],
      );
      assert.ok(client.events().every((e) => e.topic.startsWith('offline.')));
      const ids = client.messages.map((m) => Number(m.id));
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'ids increase',
      );
      await client.until((c) => c.comments.includes('heartbeat'), 'a heartbeat');
    } finally {
      client.close();
    }
  });

  test('Last-Event-ID replays what was missed from the store, then continues live, without duplicates', async () => {
    const first = await SseClient.open(`${base}/v1/events?sessionId=sse-2`, auth('admin'));
    await closeSession('sse-2');
    await first.until(completed('sse-2'), 'sse-2 completion');
    const cut = first.messages[1];
    assert.ok(cut?.id);
    first.close();

    const resumed = await SseClient.open(`${base}/v1/events?sessionId=sse-2`, { ...auth('admin'), 'last-event-id': cut.id });
    try {
      await resumed.until((c) => c.messages.length >= first.messages.length - 2, 'the replay');
      assert.deepEqual(
        resumed.messages.map((m) => m.id),
        first.messages.slice(2).map((m) => m.id),
      );
      const ids = resumed.messages.map((m) => m.id);
      assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    } finally {
      resumed.close();
    }
  });

  test('after the replay the resumed stream continues live', async () => {
    const first = await SseClient.open(`${base}/v1/events?sessionId=sse-4`, auth('admin'));
    await h.server.inject({ method: 'PUT', url: '/v1/sessions/sse-4', headers: auth('admin'), payload: {} });
    await h.server.inject({
      method: 'POST',
      url: '/v1/sessions/sse-4/turns',
      headers: auth('admin'),
      payload: { turns: sampleTurns(2) },
    });
    await first.until((c) => c.messages.length >= 2, 'created + turnsAppended');
    const lastId = first.messages[first.messages.length - 1]!.id!;
    first.close();
    const resumed = await SseClient.open(`${base}/v1/events?sessionId=sse-4`, { ...auth('admin'), 'last-event-id': lastId });
    try {
      await h.server.inject({ method: 'POST', url: '/v1/sessions/sse-4/close', headers: auth('admin') });
      await resumed.until(completed('sse-4'), 'live completion after resume');
      assert.ok(resumed.messages.every((m) => Number(m.id) > Number(lastId)));
      assert.ok(!resumed.events().some((e) => e.topic === 'session.created'), 'nothing before Last-Event-ID is repeated');
    } finally {
      resumed.close();
    }
  });

  test('resume with a prefix filter replays across pages of unrelated events', async () => {
    const { app } = h;
    const events = await app.eventsSince(0, {}, 100_000);
    const client = await SseClient.open(`${base}/v1/events?prefix=telemetry.offline.workflow.&lastEventId=0`, auth('admin'));
    try {
      const expected = events.filter((e) => e.topic.startsWith('telemetry.offline.workflow.')).length;
      assert.ok(expected >= 2);
      await client.until((c) => c.messages.length >= expected, `${expected} replayed telemetry events`);
    } finally {
      client.close();
    }
  });

  test('a ?token= is refused (tickets instead); bad filters are 400; no token is 401', async () => {
    const viaQuery = await fetch(`${base}/v1/events?token=${tokens.viewer}`);
    assert.equal(viaQuery.status, 400);
    assert.equal(((await viaQuery.json()) as { error: { code: string } }).error.code, 'token_in_query');
    const bad = await fetch(`${base}/v1/events?topic=offline.nope`, { headers: auth('admin') });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { issues: Array<{ field: string }> } }).error.issues[0]?.field, 'query.topic');
    const anonymous = await fetch(`${base}/v1/events`);
    assert.equal(anonymous.status, 401);
  });

  test('a gm may stream its own session only', async () => {
    await h.server.inject({ method: 'PUT', url: '/v1/sessions/gm-stream', headers: auth('gm'), payload: {} });
    const own = await SseClient.open(`${base}/v1/events?sessionId=gm-stream`, auth('gm'));
    assert.equal(own.status, 200);
    own.close();
    const other = await fetch(`${base}/v1/events?sessionId=gm-stream`, { headers: auth('gm2') });
    assert.equal(other.status, 403);
  });

  test('closing the server ends open streams instead of hanging', async () => {
    const extra = await startHarness({}, { workers: 0 });
    const url = await extra.server.listen({ host: '127.0.0.1', port: 0 });
    const client = await SseClient.open(`${url}/v1/events`, auth('admin'));
    assert.equal(extra.server.eventStreams.size, 1);
    await extra.close();
    await client.until((c) => c.ended, 'the stream to end');
  });
});
