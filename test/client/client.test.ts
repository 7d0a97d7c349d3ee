import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { AfterwordApiError, createClient, verifyWebhook } from '../../packages/client/src/index.js';
import { sampleTurns, tokens, waitFor } from '../e2e/harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..', '..');
const cli = join(here, '..', '..', 'src', 'cli', 'main.js');
const run = promisify(execFile);

let child: ChildProcess;
let url: string;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'afterword-client-'));
  child = spawn(process.execPath, [cli, 'serve', '--data', dir, '--port', '0', '--host', '127.0.0.1', '--workers', '2'], {
    env: { ...process.env, AFTERWORD_TOKENS: `admin:${tokens.admin}`, AFTERWORD_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  url = await waitFor(() => /dashboard\s+(http:\/\/\S+?)\/?\s/.exec(out)?.[1], `the service URL in:\n${out}`, 60_000);
});

after(async () => {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  await rm(dir, { recursive: true, force: true });
});

describe('@afterword/client against a real service process', () => {
  test('streams 50 turns in batches with a forced retry (same ids, no duplicates), closes and waits', async () => {
    let posts = 0;
    let failed = 0;
    // The second batch reaches the server, then its answer is lost (a 503): the client retries it.
    const flaky: typeof fetch = async (input, init) => {
      const res = await fetch(input as Request, init);
      if (input instanceof Request && input.method === 'POST' && input.url.endsWith('/turns') && ++posts === 2) {
        failed++;
        return new Response(JSON.stringify({ error: { code: 'unavailable', message: 'forced' } }), { status: 503 });
      }
      return res;
    };
    const client = createClient({ baseUrl: url, token: tokens.admin, fetch: flaky, backoffMs: 10 });
    await client.upsertSession('client-1', { title: 'client test' });
    const result = await client.appendTurns('client-1', sampleTurns(50, 'c'), 10);
    assert.equal(failed, 1);
    assert.equal(result.turnCount, 50);
    assert.equal(result.appended, 40);
    assert.equal(result.duplicates, 10, 'the retried batch was recognised by its turn ids');
    const transcript = (
      await client.api.GET('/v1/sessions/{sessionId}/transcript', { params: { path: { sessionId: 'client-1' } } })
    ).data as { turns?: unknown[] } | undefined;
    if (transcript?.turns) assert.equal(transcript.turns.length, 50);

    const closed = await client.closeSession('client-1', { reason: 'client test' });
    const job = await client.waitForClosure({ jobId: closed.closureJob.jobId }, { timeoutMs: 60_000 });
    assert.equal(job.status, 'completed');
    const bySession = await client.waitForClosure({ sessionId: 'client-1' }, { timeoutMs: 60_000 });
    assert.equal(bySession.jobId, closed.closureJob.jobId);
  });

  test('typed errors carry the envelope code', async () => {
    const client = createClient({ baseUrl: url, token: 'wrong-token' });
    await assert.rejects(
      client.upsertSession('client-x', {}),
      (e: unknown) => e instanceof AfterwordApiError && e.code === 'unauthorized',
    );
  });

  test('follows events and resumes after the last one seen', async () => {
    const client = createClient({ baseUrl: url, token: tokens.admin });
    const seen: number[] = [];
    const first = new AbortController();
    for await (const event of client.followEvents({ afterId: 0, signal: first.signal })) {
      seen.push(event.id);
      if (seen.length === 2) first.abort();
    }
    assert.equal(seen.length, 2);
    assert.ok(seen[0]! < seen[1]!);
    const second = new AbortController();
    const resumed: number[] = [];
    for await (const event of client.followEvents({ afterId: seen[0], signal: second.signal })) {
      resumed.push(event.id);
      second.abort();
    }
    assert.deepEqual(resumed, [seen[1]], 'the stream resumes right after the given id');
  });

  test('verifies a webhook signed with the standardwebhooks library', () => {
    const secret = `whsec_${Buffer.from('a-very-secret-key-for-tests').toString('base64')}`;
    const body = JSON.stringify({ topic: 'session.closed', data: { sessionId: 'client-1' } });
    const id = 'msg_1';
    const now = new Date();
    const signature = new Webhook(secret).sign(id, now, body);
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    };
    assert.deepEqual(verifyWebhook(secret, headers, body), JSON.parse(body));
    assert.throws(() => verifyWebhook(secret, headers, body.replace('client-1', 'client-2')));
  });

  test('the example streams a transcript, closes it, waits and prints the publishing state', async () => {
    const { stdout } = await run(process.execPath, [join(here, '..', '..', 'examples', 'stream-transcript.js'), 'example-1'], {
      env: { ...process.env, AFTERWORD_URL: url, AFTERWORD_TOKEN: tokens.admin },
    });
    const printed = JSON.parse(stdout);
    assert.equal(printed.sessionId, 'example-1');
    assert.equal(printed.closure, 'completed');
    assert.ok(printed.publishing);
  });

  test('the committed client types match the OpenAPI document', async () => {
    const out = join(dir, 'schema.ts');
    await run(process.execPath, [join(root, 'scripts', 'generate-client-types.mjs'), out], { cwd: root });
    const committed = await readFile(join(root, 'packages', 'client', 'src', 'schema.ts'), 'utf8');
    assert.equal(await readFile(out, 'utf8'), committed, 'packages/client/src/schema.ts is stale: run `npm run generate-client`');
  });
});
