import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import type { AfterwordError } from '../../src/errors.js';
import { ChatCompletionsSummariser } from '../../src/workflow/llm-summariser.js';
import { summariseWithFallback, summariserFromConfig } from '../../src/workflow/summarise-stage.js';
import { sanitised, turn } from './domain/helpers.js';

/**
 * The LLM summariser against a real local HTTP server that speaks the OpenAI chat-completions
 * protocol (POST /v1/chat/completions, Bearer key, {model, messages} in, choices[0].message
 * .content out), and the consolidate stage's timeout, heartbeat and fallback against a slow one.
 */
interface Seen {
  path: string;
  auth: string | undefined;
  body: { model: string; messages: Array<{ role: string; content: string }> };
}

async function startServer(
  handle: (seen: Seen, res: ServerResponse) => void,
): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const s: Seen = { path: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(raw) };
      seen.push(s);
      handle(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, seen, server };
}

const reply = (res: ServerResponse, content: string) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] }),
  );
};

const transcript = () =>
  sanitised([
    turn('t1', 'The Iron Tithe marched on Harrowgate.', { sceneId: 's1', actId: 'a1' }),
    turn('t2', 'I hide in the chapel.', { sceneId: 's1', actId: 'a1', speaker: 'player' }),
    turn('t3', 'The bells ring all night.', { sceneId: 's2', actId: 'a1' }),
    turn('t4', 'Dawn comes grey over Lowmarket.', { sceneId: 's3', actId: 'a2' }),
  ]);
const opts = { sessionId: 'sess-1', version: 1, generatedAt: 0 };

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.closeAllConnections();
  for (const s of servers) s.close();
});

describe('chat-completions summariser (contract, real HTTP server)', () => {
  test('scene -> act -> session, one call each, with the model, the key and the scene text', async () => {
    const srv = await startServer((s, res) => {
      const prompt = s.body.messages.at(-1)?.content ?? '';
      reply(
        res,
        prompt.startsWith('Summarise this scene')
          ? `scene#${s.body.messages.length}`
          : prompt.startsWith('Summarise this act')
            ? 'act'
            : 'session',
      );
    });
    servers.push(srv.server);
    const llm = new ChatCompletionsSummariser({ url: srv.url, model: 'tiny-model', apiKey: 'sekret' });
    const summary = await summariseWithFallback(transcript(), opts, {
      summariser: llm,
      timeoutMs: 10_000,
      heartbeatMs: 1_000,
      heartbeat: async () => undefined,
    });
    assert.equal(srv.seen.length, 3 + 2 + 1); // 3 scenes, 2 acts, 1 session
    for (const s of srv.seen) {
      assert.equal(s.path, '/v1/chat/completions');
      assert.equal(s.auth, 'Bearer sekret');
      assert.equal(s.body.model, 'tiny-model');
      assert.equal(s.body.messages[0]?.role, 'system');
    }
    assert.match(
      srv.seen[0]?.body.messages[1]?.content ?? '',
      /GM: The Iron Tithe marched on Harrowgate\.\nPlayer: I hide in the chapel\./,
    );
    assert.deepEqual(
      summary.sceneBreakdown.map((s) => s.summary),
      ['scene#2', 'scene#2', 'scene#2'],
    );
    assert.deepEqual(
      summary.actSummary.map((a) => a.summary),
      ['act', 'act'],
    );
    assert.equal(summary.sessionSummary, 'session');
    assert.deepEqual(summary.generator, { summariser: 'llm', model: 'tiny-model', fallback: null });
    assert.equal(summary.statistics.turnCount, 4); // the structure is the deterministic one
  });

  test('a slow server times out: deterministic summary, fallback recorded, heartbeats kept meanwhile', async () => {
    const srv = await startServer((_s, res) => {
      setTimeout(() => reply(res, 'too late'), 5_000).unref(); // the slow server
    });
    servers.push(srv.server);
    let beats = 0;
    const summary = await summariseWithFallback(transcript(), opts, {
      summariser: new ChatCompletionsSummariser({ url: srv.url, model: 'slow' }),
      timeoutMs: 300,
      heartbeatMs: 20,
      heartbeat: async () => {
        beats++;
      },
    });
    assert.equal(summary.generator?.summariser, 'deterministic');
    assert.equal(summary.generator?.fallback?.reason, 'timeout');
    assert.equal(summary.generator?.fallback?.from, 'llm');
    assert.equal(summary.sessionSummary, undefined);
    assert.ok(beats >= 3, `heartbeats while waiting (${beats})`);
    assert.equal(srv.seen.length, 1); // the call was abandoned, not retried in a loop
  });

  test('an error answer falls back too; a lost job (aborted signal) does not', async () => {
    const srv = await startServer((_s, res) => {
      res.writeHead(500).end('{}');
    });
    servers.push(srv.server);
    const llm = new ChatCompletionsSummariser({ url: srv.url, model: 'broken' });
    const summary = await summariseWithFallback(transcript(), opts, {
      summariser: llm,
      timeoutMs: 5_000,
      heartbeatMs: 1_000,
      heartbeat: async () => undefined,
    });
    assert.equal(summary.generator?.fallback?.reason, 'error');
    assert.match(summary.generator?.fallback?.message ?? '', /500/);
    const lost = new AbortController();
    lost.abort(new Error('lease_lost'));
    await assert.rejects(
      summariseWithFallback(transcript(), opts, {
        summariser: llm,
        timeoutMs: 5_000,
        heartbeatMs: 1_000,
        heartbeat: async () => undefined,
        signal: lost.signal,
      }),
    );
  });
});

describe('pipeline stages in the config schema', () => {
  test('defaults are deterministic and spans; llm needs url and model, named in the error', () => {
    const config = loadConfig({}, {});
    assert.equal(config.pipeline.summariser, 'deterministic');
    assert.equal(config.pipeline.tagger, 'spans');
    assert.equal(summariserFromConfig(config.pipeline), null);
    assert.throws(
      () => loadConfig({}, { AFTERWORD_SUMMARISER: 'llm' }),
      (e: AfterwordError) => {
        const fields = e.issues.map((i) => i.field);
        return fields.includes('pipeline.llm.url') && fields.includes('pipeline.llm.model');
      },
    );
    const llm = loadConfig(
      {},
      {
        AFTERWORD_SUMMARISER: 'llm',
        AFTERWORD_LLM_URL: 'http://127.0.0.1:1/v1',
        AFTERWORD_LLM_MODEL: 'm',
        AFTERWORD_LLM_API_KEY: 'k',
      },
    );
    assert.equal(summariserFromConfig(llm.pipeline)?.name, 'llm');
  });
});
