import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { tokens, waitFor } from './harness.js';
import { demoSession, demoWorld } from './seed.js';

const cli = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const headers = { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' };

interface Service {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output: () => string;
}

/** Spawn the real `afterword serve` process and read its URL from what it prints. */
async function startServe(dataDir: string): Promise<Service> {
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--workers', '2'],
    {
      env: { ...process.env, AFTERWORD_TOKENS: `admin:${tokens.admin}`, AFTERWORD_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await waitFor(() => /dashboard\s+(http:\/\/\S+?)\/?\s/.exec(out)?.[1], `the service URL in:\n${out}`, 60_000).catch(
    async (error) => {
      child.kill('SIGKILL');
      throw error;
    },
  );
  return { child, url, exited, output: () => out };
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/** True once every closure job the service knows is completed and there are `count` of them. */
async function allClosuresCompleted(url: string, count: number): Promise<boolean> {
  const { json } = await api(url, 'GET', '/v1/jobs?workflow=session.closure&limit=500');
  return json.items.length === count && json.items.every((j: { status: string }) => j.status === 'completed');
}

describe('the real service process under SIGTERM', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  test('SIGTERM while workflows run: drains, exits 0; a restart completes every job exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'afterword-sigterm-'));
    dirs.push(dir);
    const first = await startServe(dir);
    const sessions = Array.from({ length: 24 }, (_, i) => `term-${i}`);
    assert.equal((await api(first.url, 'POST', '/v1/world/import', await demoWorld())).status, 200);
    for (const [i, id] of sessions.entries()) {
      const s = await demoSession(id, i + 1, 80);
      assert.equal((await api(first.url, 'PUT', `/v1/sessions/${id}`, { context: s.context })).status, 201);
      assert.equal((await api(first.url, 'POST', `/v1/sessions/${id}/turns`, { turns: s.turns })).status, 200);
    }
    const closed = await Promise.all(
      sessions.map((id) => api(first.url, 'POST', `/v1/sessions/${id}/close`, { reason: 'sigterm test' })),
    );
    assert.ok(closed.every((r) => r.status === 202));
    const jobIds = closed.map((r) => r.json.closureJob.jobId as string);

    // Wait until work is under way but not finished, then ask the service to stop.
    await waitFor(
      async () =>
        (await api(first.url, 'GET', '/v1/jobs?workflow=session.closure&status=completed&limit=500')).json.items.length >= 1,
      'a first completion',
    );
    const before = (await api(first.url, 'GET', '/v1/jobs?workflow=session.closure&status=completed&limit=500')).json.items
      .length;
    // An in-flight request at the moment of the signal still gets its answer.
    const inFlight = api(first.url, 'GET', '/v1/sessions?limit=500');
    first.child.kill('SIGTERM');
    assert.equal((await inFlight).status, 200);
    assert.equal(await first.exited, 0, first.output());
    assert.ok(before < sessions.length, 'the signal arrived while workflows were still running');

    const second = await startServe(dir);
    try {
      await waitFor(
        () => allClosuresCompleted(second.url, sessions.length),
        'every closure job to complete after the restart',
        60_000,
      );
      for (const [i, id] of sessions.entries()) {
        const timeline = (await api(second.url, 'GET', `/v1/jobs/${jobIds[i]}`)).json;
        const steps = timeline.steps.map((s: { step: string }) => s.step);
        assert.deepEqual(
          steps,
          ['sanitise', 'consolidate', 'extract', 'deltas', 'publish-prep', 'reconcile'],
          `${id}: each step checkpointed once`,
        );
        assert.equal(timeline.job.attempts, 1, `${id}: a drained job is handed back without counting an attempt`);
        const history = (await api(second.url, 'GET', `/v1/sessions/${id}/history`)).json;
        assert.equal(history.items.length, 1, `${id}: one workflow run`);
        const summary = (await api(second.url, 'GET', `/v1/sessions/${id}`)).json;
        assert.equal(summary.offlinePending, false);
        assert.equal(summary.offlineLastRun.summaryVersion, 1, `${id}: the summary was produced once`);
        let mentionCount = 0;
        let cursor: string | null = null;
        do {
          const query: string = cursor ? `?limit=500&cursor=${encodeURIComponent(cursor)}` : '?limit=500';
          const page = (await api(second.url, 'GET', `/v1/sessions/${id}/mentions${query}`)).json;
          mentionCount += page.items.length;
          cursor = page.nextCursor;
        } while (cursor);
        assert.equal(mentionCount, timeline.job.result.mentionCount, `${id}: mentions written once`);
      }
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0, second.output());
    }
  });

  test('SIGTERM exits 0 when the log pipe has lost its reader (EPIPE on every log line)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'afterword-epipe-'));
    dirs.push(dir);
    // `afterword serve 2>&1 | head`: the reader of the log pipe goes away while the service runs.
    // The shutdown's own log lines then meet EPIPE; the exit flush used to retry them forever.
    const child = spawn(process.execPath, [cli, 'serve', '--data', dir, '--port', '0', '--host', '127.0.0.1'], {
      env: { ...process.env, AFTERWORD_TOKENS: `admin:${tokens.admin}`, AFTERWORD_LOG_LEVEL: 'trace' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => /dashboard\s+http/.test(out), `the service URL in:\n${out}`, 60_000);
    child.stderr!.destroy();
    child.kill('SIGTERM');
    const deadline = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 20_000).unref());
    const outcome = await Promise.race([exited, deadline]);
    if (outcome === 'still running') child.kill('SIGKILL');
    assert.equal(outcome, 0, 'the service exits 0 within 20 s of SIGTERM');
  });

  test('a second signal during shutdown exits 1 at once; nothing is lost on the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'afterword-sigterm2-'));
    dirs.push(dir);
    const first = await startServe(dir);
    assert.equal((await api(first.url, 'POST', '/v1/world/import', await demoWorld())).status, 200);
    const sessions = Array.from({ length: 8 }, (_, i) => `twice-${i}`);
    for (const [i, id] of sessions.entries()) {
      const s = await demoSession(id, i + 100, 80);
      await api(first.url, 'PUT', `/v1/sessions/${id}`, { context: s.context });
      await api(first.url, 'POST', `/v1/sessions/${id}/turns`, { turns: s.turns });
    }
    await Promise.all(sessions.map((id) => api(first.url, 'POST', `/v1/sessions/${id}/close`)));
    first.child.kill('SIGTERM');
    first.child.kill('SIGINT');
    assert.equal(await first.exited, 1);

    const second = await startServe(dir);
    try {
      await waitFor(
        () => allClosuresCompleted(second.url, sessions.length),
        'every job to complete after a forced exit (leases expire, jobs resume)',
        90_000,
      );
      for (const id of sessions) assert.equal((await api(second.url, 'GET', `/v1/sessions/${id}/history`)).json.items.length, 1);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
