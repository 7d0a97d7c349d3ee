import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { chromiumPath, launchChromium, runBrowserTests } from '../support/browser.js';
import { tokens, waitFor } from './harness.js';
import { demoSession, demoWorld } from './seed.js';
import { SseClient } from './sse-client.js';

/**
 * No secret in any log line at any level: the real `afterword serve` process logs at `trace`
 * while the dashboard's flow runs (sign in, event stream through a ticket, a session closed and
 * watched live) and a careless client puts its token in a URL; then every line of its output is
 * searched for the token and for every stream ticket that was issued.
 */
const cli = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const headers = { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' };

async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('logs of the real service at trace level', () => {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  after(async () => {
    child?.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the dashboard flow leaves no token or ticket in any log line', { timeout: 120_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'afterword-logs-'));
    const proc = spawn(process.execPath, [cli, 'serve', '--data', dir, '--port', '0', '--host', '127.0.0.1', '--workers', '2'], {
      env: { ...process.env, AFTERWORD_TOKENS: `admin:${tokens.admin}`, AFTERWORD_LOG_LEVEL: 'trace' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    const base = await waitFor(() => /dashboard\s+(http:\/\/\S+?)\/?\s/.exec(out)?.[1], `the service URL in:\n${out}`, 60_000);
    const tickets: string[] = [];

    // The dashboard's stream, as web/api-client.js opens it: a ticket, then ?ticket=.
    const issued = await api(base, 'POST', '/v1/events/tickets');
    assert.equal(issued.status, 200);
    tickets.push(issued.json.ticket);
    const stream = await SseClient.open(`${base}/v1/events?prefix=offline.&ticket=${encodeURIComponent(issued.json.ticket)}`);
    assert.equal(stream.status, 200);

    // A careless client: the token in the URL is refused, and must not be logged either.
    const careless = await fetch(`${base}/v1/jobs?token=${tokens.admin}`);
    assert.equal(careless.status, 400);

    assert.equal((await api(base, 'POST', '/v1/world/import', await demoWorld())).status, 200);
    const s = await demoSession('logs-1', 5, 40);
    assert.equal((await api(base, 'PUT', `/v1/sessions/${s.sessionId}`, { context: s.context })).status, 201);
    assert.equal((await api(base, 'POST', `/v1/sessions/${s.sessionId}/turns`, { turns: s.turns })).status, 200);
    const closed = await api(base, 'POST', `/v1/sessions/${s.sessionId}/close`, { reason: 'log test' });
    assert.equal(closed.status, 202);
    await stream.until(
      (c) => c.events().some((e) => e.topic === 'offline.sessionClosure.completed'),
      'the closure to complete on the stream',
      60_000,
    );
    stream.close();

    if (runBrowserTests) {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        page.on('request', (r) => {
          const ticket = new URL(r.url()).searchParams.get('ticket');
          if (ticket) tickets.push(ticket);
        });
        await page.goto(base);
        await page.fill('#token-input', tokens.admin);
        await page.click('#login-form button');
        await page.waitForSelector('#live.on');
        await page.goto(`${base}/#/jobs`);
        await page.waitForSelector(`tr[data-job="${closed.json.closureJob.jobId}"]`);
      } finally {
        await browser.close();
      }
      assert.ok(tickets.length >= 2, 'the dashboard opened its stream with a ticket');
    } else {
      console.log(`# browser part skipped: ${chromiumPath} is missing (the HTTP flow above still ran)`);
    }

    proc.kill('SIGTERM');
    assert.equal(await exited, 0);
    child = undefined;

    const lines = out.split('\n');
    assert.ok(
      lines.some((l) => l.includes('incoming request') && l.includes('ticket=[redacted]')),
      'the stream request was logged, redacted',
    );
    assert.ok(
      lines.some((l) => l.includes('incoming request') && l.includes('token=[redacted]')),
      'the careless request was logged, redacted',
    );
    for (const secret of [tokens.admin, ...tickets]) {
      const leaks = lines.filter((l) => l.includes(secret) || l.includes(encodeURIComponent(secret)));
      assert.deepEqual(leaks, [], `a secret appears in the log: ${secret.slice(0, 6)}…`);
    }
  });
});
