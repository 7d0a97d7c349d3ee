import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auth, type Harness, startHarness } from './harness.js';
import { SseClient } from './sse-client.js';

/**
 * Stream tickets (src/server/stream-tickets.ts): the event stream is opened with a short-lived,
 * single-use ticket got with the Authorization header, never with the token in the URL.
 */
describe('event stream tickets', () => {
  let h: Harness;
  let base: string;
  let now = Date.now();
  const ttlMs = 5_000;

  before(async () => {
    h = await startHarness({ limits: { streamTicketTtlMs: ttlMs } }, { workers: 0, server: { now: () => now } });
    base = await h.server.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => h.close());

  const ticketFor = async (who: 'admin' | 'viewer' | 'gm') => {
    const res = await h.server.inject({ method: 'POST', url: '/v1/events/tickets', headers: auth(who) });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as { ticket: string; expiresAt: string; expiresInMs: number };
    assert.equal(body.expiresInMs, ttlMs);
    assert.equal(body.expiresAt, new Date(now + ttlMs).toISOString());
    return body.ticket;
  };

  test('a ticket opens one stream, with the rights of its token', async () => {
    const ticket = await ticketFor('viewer');
    const stream = await SseClient.open(`${base}/v1/events?prefix=session.&ticket=${encodeURIComponent(ticket)}`);
    try {
      assert.equal(stream.status, 200);
      await h.server.inject({ method: 'PUT', url: '/v1/sessions/ticketed', headers: auth('admin'), payload: {} });
      await stream.until((c) => c.events().some((e) => e.sessionId === 'ticketed'), 'the session.created event');
    } finally {
      stream.close();
    }
    const again = await h.server.inject({ url: `/v1/events?ticket=${encodeURIComponent(ticket)}` });
    assert.equal(again.statusCode, 401, 'a ticket is used once');
    assert.equal(again.json().error.code, 'unauthorized');
  });

  test('an expired, forged or foreign ticket is refused', async () => {
    const ticket = await ticketFor('admin');
    now += ttlMs + 1;
    const expired = await h.server.inject({ url: `/v1/events?ticket=${encodeURIComponent(ticket)}` });
    assert.equal(expired.statusCode, 401);
    const fresh = await ticketFor('admin');
    const [expiry, nonce, mac] = fresh.split('.') as [string, string, string];
    const forged = [
      `${(now + 1000).toString(36)}.${nonce}.${mac}`,
      `${expiry}.${nonce.replace(/^./, nonce[0] === 'A' ? 'B' : 'A')}.${mac}`,
      `${expiry}.${nonce}.${'A'.repeat(43)}`,
      'not-a-ticket',
    ];
    for (const bad of forged) {
      const res = await h.server.inject({ url: `/v1/events?ticket=${encodeURIComponent(bad)}` });
      assert.equal(res.statusCode, 401, bad);
    }
  });

  test('a ticket is no token: other routes do not take it, and it cannot issue tickets', async () => {
    const ticket = await ticketFor('admin');
    const jobs = await h.server.inject({ url: `/v1/jobs?ticket=${encodeURIComponent(ticket)}` });
    assert.ok(jobs.statusCode === 400 || jobs.statusCode === 401, `${jobs.statusCode}`);
    const anonymous = await h.server.inject({ method: 'POST', url: '/v1/events/tickets' });
    assert.equal(anonymous.statusCode, 401);
  });

  test("a gm's ticket still streams only its own sessions", async () => {
    await h.server.inject({ method: 'PUT', url: '/v1/sessions/gm-ticketed', headers: auth('gm'), payload: {} });
    const unfiltered = await h.server.inject({ url: `/v1/events?ticket=${encodeURIComponent(await ticketFor('gm'))}` });
    assert.equal(unfiltered.statusCode, 403);
    const own = await SseClient.open(
      `${base}/v1/events?sessionId=gm-ticketed&ticket=${encodeURIComponent(await ticketFor('gm'))}`,
    );
    assert.equal(own.status, 200);
    own.close();
  });

  test('the token itself is refused in the URL', async () => {
    const res = await h.server.inject({ url: '/v1/events?token=admin-token-0123456789abcdef' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'token_in_query');
    assert.deepEqual(
      res.json().error.issues.map((i: { field: string }) => i.field),
      ['query.token'],
    );
  });
});
