import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { forEachStore } from '../support/harness.js';
import { auth, type Harness, startHarness, tokenConfig, waitFor } from './harness.js';
import { SseClient } from './sse-client.js';

/**
 * Limits that bound what clients can hold or drag out (docs/api.md, "Limits"): concurrent event
 * streams overall and per token, how long a request may take to arrive, and the size of a
 * session's change feed. Each answers with the error envelope and a stable code.
 */
describe('event stream limits', () => {
  let h: Harness;
  let base: string;
  const open: SseClient[] = [];
  before(async () => {
    h = await startHarness({ limits: { maxStreams: 3, maxStreamsPerToken: 2 } }, { workers: 0 });
    base = await h.server.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    for (const c of open) c.close();
    await h.close();
  });

  const stream = async (who: 'admin' | 'viewer') => {
    const client = await SseClient.open(`${base}/v1/events`, auth(who));
    open.push(client);
    return client;
  };
  const refusal = async (who: 'admin' | 'viewer') => {
    const res = await fetch(`${base}/v1/events`, { headers: auth(who) });
    if (res.status === 200) {
      // Admitted after all: a stream never ends, so do not wait for its body.
      await res.body?.cancel();
      return { status: 200 };
    }
    return { status: res.status, retryAfter: res.headers.get('retry-after'), code: ((await res.json()) as any).error?.code };
  };

  test('a token holds at most limits.maxStreamsPerToken streams (429), the server at most limits.maxStreams (503)', async () => {
    const first = await stream('viewer');
    assert.equal(first.status, 200);
    assert.equal((await stream('viewer')).status, 200);
    assert.deepEqual(await refusal('viewer'), { status: 429, retryAfter: '5', code: 'too_many_streams' });

    assert.equal((await stream('admin')).status, 200);
    assert.equal(h.server.eventStreams.size, 3);
    assert.deepEqual(await refusal('admin'), { status: 503, retryAfter: '5', code: 'server_busy' });

    // Closing a stream frees its place, for its token and for the server.
    first.close();
    await waitFor(() => h.server.eventStreams.size === 2, 'the closed stream to be released');
    assert.equal((await stream('viewer')).status, 200);
  });
});

describe('request timeout', () => {
  let h: Harness;
  let port: number;
  before(async () => {
    h = await startHarness({ limits: { requestTimeoutMs: 300 } }, { workers: 0 });
    port = Number(new URL(await h.server.listen({ host: '127.0.0.1', port: 0 })).port);
  });
  after(async () => h.close());

  test('a request body that never finishes arriving is answered 408 request_timeout', async () => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.write(
      `PUT /v1/sessions/slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokenConfig[0]!.token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"con`,
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), 10_000);
    });
    const outcome = await Promise.race([closed, deadline]);
    clearTimeout(timer);
    socket.destroy();
    assert.notEqual(outcome, 'deadline', 'the server still waits for the body after 10 s');
    assert.match(answer, /^HTTP\/1\.1 408 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    assert.equal(body.error.code, 'request_timeout');
    assert.equal((await h.server.inject({ url: '/v1/sessions/slow', headers: auth('admin') })).statusCode, 404);
  });
});

forEachStore('session change feed cap', (suite) => {
  suite.test('a session holds at most limits.maxChangesPerSession change entries (413)', async (ctx) => {
    const svc = await ctx.service({ http: { tokens: tokenConfig }, limits: { maxChangesPerSession: 3 } }, { workers: 0 });
    const post = (n: number) =>
      svc.server.inject({
        method: 'POST',
        url: '/v1/sessions/capped/changes',
        headers: auth('admin'),
        payload: { changes: Array.from({ length: n }, (_, i) => ({ kind: `k${i}` })) },
      });
    await svc.server.inject({ method: 'PUT', url: '/v1/sessions/capped', headers: auth('admin'), payload: {} });
    assert.deepEqual((await post(2)).json().cursors, [1, 2]);
    const over = await post(2);
    assert.equal(over.statusCode, 413, over.body);
    assert.equal(over.json().error.code, 'change_feed_too_large');
    assert.equal(over.json().error.issues[0].field, 'changes');
    assert.deepEqual((await post(1)).json().cursors, [3], 'the refused batch wrote nothing');
    assert.equal((await post(1)).statusCode, 413);
  });
});
