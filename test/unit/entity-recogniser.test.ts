import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import type { AfterwordError } from '../../src/errors.js';
import { annotateWithRecogniser, HttpEntityRecogniser, recogniserFromConfig } from '../../src/workflow/entity-recogniser.js';
import { sanitised, turn } from './domain/helpers.js';

/**
 * The HTTP entity recogniser against a real local server speaking its protocol
 * (POST {turns: [{id, text}]} → {turns: [{id, entities}]}), and the extract stage's deadline,
 * heartbeat and fallback against a slow and a failing one.
 */
interface Request {
  auth: string | undefined;
  turns: Array<{ id: string; text: string }>;
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function nerServer(handle: (req: Request, res: ServerResponse) => void): Promise<{ url: string; seen: Request[] }> {
  const seen: Request[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const r: Request = { auth: req.headers.authorization, turns: JSON.parse(raw).turns };
      seen.push(r);
      handle(r, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ner`, seen };
}

/** A toy NER: every capitalised two-word run "X Y" whose second word is Choir or Wardens is an ORG. */
function toyNer(req: Request, res: ServerResponse) {
  const turns = req.turns.map((t) => ({
    id: t.id,
    entities: [...t.text.matchAll(/\b([A-Z][a-z]+ (?:Choir|Wardens))\b/g)].map((m) => ({
      name: m[1],
      type: 'ORG',
      span: [m.index, (m.index ?? 0) + (m[1]?.length ?? 0)],
    })),
  }));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ turns }));
}

const transcript = () =>
  sanitised([
    turn('t1', 'The Saltborn Choir marched at dawn.'),
    turn('t2', 'By noon the Ember Wardens held the Fen.'),
    turn('t3', 'Nothing stirred.'),
    turn('t4', 'The Saltborn Choir sang.', { metadata: { entities: [{ name: 'Saltborn Choir', type: 'faction' }] } }),
  ]);
const quick = { timeoutMs: 5_000, heartbeatMs: 20, heartbeat: async () => undefined };

describe('HTTP entity recogniser', () => {
  test('sends the turns without annotations in batches, with the key, and annotates those it names', async () => {
    const { url, seen } = await nerServer(toyNer);
    const recogniser = new HttpEntityRecogniser({ url, apiKey: 'sk-ner', batchTurns: 2 });
    const { transcript: out, report } = await annotateWithRecogniser(transcript(), recogniser, quick);
    assert.deepEqual(
      seen.map((r) => r.turns.map((t) => t.id)),
      [['t1', 't2'], ['t3']],
      'two requests of at most two turns; t4 carries its own annotations and is not sent',
    );
    assert.ok(seen.every((r) => r.auth === 'Bearer sk-ner'));
    assert.deepEqual(out.turns[0]?.metadata.entities, [{ name: 'Saltborn Choir', type: 'ORG', span: [4, 18] }]);
    assert.deepEqual(out.turns[1]?.metadata.entities, [{ name: 'Ember Wardens', type: 'ORG', span: [12, 25] }]);
    assert.equal(out.turns[2]?.metadata.entities, undefined);
    assert.deepEqual(out.turns[3]?.metadata.entities, [{ name: 'Saltborn Choir', type: 'faction' }], "the game server's own win");
    assert.deepEqual(report, {
      recogniser: 'http',
      turnsSent: 3,
      turnsAnnotated: 2,
      entitiesRejected: 0,
      fallback: null,
    });
  });

  test('entities that break the annotation rules are dropped and counted, never guessed at', async () => {
    const { url } = await nerServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          turns: req.turns.map((t) => ({
            id: t.id,
            entities: [
              { name: 'Saltborn Choir', type: 'ORG' },
              { name: '', type: 'ORG' },
              { name: 'Past the end', type: 'LOC', span: [0, 10_000] },
              'not an object',
            ],
          })),
        }),
      );
    });
    const { transcript: out, report } = await annotateWithRecogniser(
      sanitised([turn('t1', 'The Saltborn Choir marched.')]),
      new HttpEntityRecogniser({ url, batchTurns: 10 }),
      quick,
    );
    assert.deepEqual(out.turns[0]?.metadata.entities, [{ name: 'Saltborn Choir', type: 'ORG' }]);
    assert.equal(report.entitiesRejected, 3);
  });

  test('a slow service falls back at the deadline, heartbeating while it waits', async () => {
    const { url } = await nerServer(() => undefined); // never answers
    let beats = 0;
    const { transcript: out, report } = await annotateWithRecogniser(
      transcript(),
      new HttpEntityRecogniser({ url, batchTurns: 10 }),
      {
        timeoutMs: 300,
        heartbeatMs: 20,
        heartbeat: async () => {
          beats++;
        },
      },
    );
    assert.equal(report.fallback?.reason, 'timeout');
    assert.match(report.fallback?.message ?? '', /took longer than 300 ms/);
    assert.ok(beats >= 3, `heartbeats while waiting: ${beats}`);
    assert.deepEqual(out, transcript(), 'the transcript is unchanged: the rules run alone');
  });

  test('an error answer or a malformed body falls back with the reason', async () => {
    const failing = await nerServer((_req, res) => {
      res.writeHead(503);
      res.end('busy');
    });
    const broken = await nerServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ entities: [] }));
    });
    const a = await annotateWithRecogniser(transcript(), new HttpEntityRecogniser({ url: failing.url, batchTurns: 10 }), quick);
    assert.deepEqual(a.report.fallback, { reason: 'error', message: 'NER service answered 503' });
    const b = await annotateWithRecogniser(transcript(), new HttpEntityRecogniser({ url: broken.url, batchTurns: 10 }), quick);
    assert.equal(b.report.fallback?.reason, 'error');
    assert.match(b.report.fallback?.message ?? '', /without \{turns/);
  });

  test('a step that lost its job does not fall back: the abort stands', async () => {
    const { url } = await nerServer(() => undefined);
    const step = new AbortController();
    const pending = annotateWithRecogniser(transcript(), new HttpEntityRecogniser({ url, batchTurns: 10 }), {
      ...quick,
      signal: step.signal,
    });
    step.abort(new Error('lease lost'));
    await assert.rejects(pending);
  });

  test("configuration: tagger 'http' needs ner.url, named in the error; the other taggers need no recogniser", () => {
    assert.throws(
      () => loadConfig({ pipeline: { tagger: 'http' } }, {}),
      (e: AfterwordError) =>
        e.issues.some((i) => i.field === 'pipeline.ner.url' && /required when tagger is 'http'/.test(i.reason)),
    );
    // A password in the URL would travel with it into error messages and fallback reasons.
    assert.throws(
      () => loadConfig({ pipeline: { tagger: 'http', ner: { url: 'http://ner:secret@127.0.0.1:9/ner' } } }, {}),
      (e: AfterwordError) => e.issues.some((i) => i.field === 'pipeline.ner.url' && /user name or password/.test(i.reason)),
    );
    const config = loadConfig(
      {},
      { AFTERWORD_TAGGER: 'http', AFTERWORD_NER_URL: 'http://127.0.0.1:9/ner', AFTERWORD_NER_TIMEOUT_MS: '1500' },
    );
    assert.equal(config.pipeline.ner.timeoutMs, 1500);
    assert.equal(recogniserFromConfig(config.pipeline)?.name, 'http');
    assert.equal(recogniserFromConfig(loadConfig({}, {}).pipeline), null);
  });
});
