import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { postgresUnreachable, requirePostgres } from '../support/harness.js';
import { auth, type Harness, startHarness } from './harness.js';
import { SseClient } from './sse-client.js';

/**
 * The live stream and a `Last-Event-ID` resume under many concurrent writers, on PostgreSQL
 * (where transactions commit in parallel): an unfiltered stream opened before 150 concurrent
 * writers sees every event they committed, once, in id order, and a resume from the middle
 * replays exactly the rest. Before event ids followed commit order, a stream like this missed
 * about a third of them (issue 9, item 8).
 */
const writers = 150;

describe('SSE under 150 concurrent writers [postgres]', () => {
  let h: Harness | undefined;
  let base = '';
  let skip: string | null = null;
  before(async () => {
    const reason = await postgresUnreachable();
    if (reason) {
      skip = `PostgreSQL not reachable (${reason}): set AFTERWORD_TEST_DATABASE_URL`;
      if (requirePostgres) throw new Error(`${skip} (AFTERWORD_REQUIRE_POSTGRES=1)`);
      console.log(`# SKIP ${skip}`);
      return;
    }
    h = await startHarness({ limits: { rateLimitPerMinute: 100_000 } }, { adapter: 'postgres', workers: 0 });
    base = await h.server.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => h?.close());

  test('an unfiltered stream sees every event of 150 concurrent writers, and a resume replays the rest', async (t) => {
    if (!h) return t.skip(skip ?? 'no service');
    const service = h;
    const stream = await SseClient.open(`${base}/v1/events`, auth('admin'));
    try {
      const put = (i: number) =>
        fetch(`${base}/v1/sessions/conc-${i}`, {
          method: 'PUT',
          headers: { ...auth('admin'), 'content-type': 'application/json' },
          body: JSON.stringify({ context: { n: i } }),
        });
      const turns = (i: number) =>
        fetch(`${base}/v1/sessions/conc-${i}/turns`, {
          method: 'POST',
          headers: { ...auth('admin'), 'content-type': 'application/json' },
          body: JSON.stringify({ turns: [{ turnId: 't1', speaker: 'gm', text: `Line ${i}.` }] }),
        });
      const created = await Promise.all(Array.from({ length: writers }, (_, i) => put(i)));
      assert.deepEqual([...new Set(created.map((r) => r.status))], [201]);
      const appended = await Promise.all(Array.from({ length: writers }, (_, i) => turns(i)));
      assert.deepEqual([...new Set(appended.map((r) => r.status))], [200]);
      const stored = (await service.app.eventsSince(0, {}, 100_000)).filter((e) => e.sessionId?.startsWith('conc-'));
      assert.equal(stored.length, 2 * writers, 'every write committed its event');
      await stream.until(
        (c) => c.events().filter((e) => e.sessionId?.startsWith('conc-')).length >= stored.length,
        `${stored.length} events on the stream`,
        20_000,
      );
      const streamed = stream.events().filter((e) => e.sessionId?.startsWith('conc-'));
      assert.deepEqual(
        streamed.map((e) => e.id),
        stored.map((e) => e.id),
        'the stream has every stored event, once, in id order',
      );
      const middle = stored[writers]?.id as number;
      const resumed = await SseClient.open(`${base}/v1/events`, { ...auth('admin'), 'last-event-id': String(middle) });
      try {
        const rest = stored.filter((e) => e.id > middle);
        await resumed.until(
          (c) => c.events().filter((e) => e.sessionId?.startsWith('conc-')).length >= rest.length,
          'the replay',
        );
        assert.deepEqual(
          resumed
            .events()
            .filter((e) => e.sessionId?.startsWith('conc-'))
            .map((e) => e.id),
          rest.map((e) => e.id),
        );
      } finally {
        resumed.close();
      }
    } finally {
      stream.close();
    }
  });
});
