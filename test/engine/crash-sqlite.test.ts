/**
 * Crash safety on SQLite with real processes: one worker child process at a time works on a
 * store full of closed sessions and is SIGKILLed at random moments, several of them mid-step.
 * Each successor takes the dead process's work lock over and reclaims its leases at start; a
 * last worker drains everything. Then every closure must have completed exactly once: one
 * summary, one set of deltas and mentions, six checkpoints, no lease left behind.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { createAfterword } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { AfterwordError } from '../../src/errors.js';
import { closureWorkflowName } from '../../src/workflow/closure-payload.js';
import { seedClosedSessions } from './fixtures/seed-closed-sessions.js';

const require = createRequire(import.meta.url);
type Db = {
  prepare(sql: string): { get(...p: unknown[]): any; all(...p: unknown[]): any[] };
  close(): void;
};
const Database = require('better-sqlite3') as new (file: string, opts?: { readonly?: boolean; fileMustExist?: boolean }) => Db;

const childScript = fileURLToPath(new URL('./fixtures/sqlite-worker-child.js', import.meta.url));
const SESSIONS = 150;
const KILLS = 6;
const stepTopic = 'offline.sessionClosure.step';

let dataDir: string;
let dbFile: string;
let jobs: Array<{ sessionId: string; jobId: string }> = [];
const children = new Set<ChildProcess>();

interface Spawned {
  child: ChildProcess;
  started: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  messages: Array<Record<string, unknown>>;
}

function spawnWorker(mode: 'forever' | 'until-idle', concurrency: number): Spawned {
  const child = fork(childScript, [], {
    env: {
      ...process.env,
      AFTERWORD_CRASH_DIR: dataDir,
      AFTERWORD_CRASH_MODE: mode,
      AFTERWORD_CRASH_CONCURRENCY: String(concurrency),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const messages: Array<Record<string, unknown>> = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  const started = new Promise<void>((resolve, reject) => {
    child.on('message', (m: Record<string, unknown>) => {
      messages.push(m);
      if (m.type === 'started') resolve();
      if (m.type === 'refused') reject(new Error(`worker refused: ${String(m.code)} ${String(m.message)}`));
    });
    void exited.then(({ code, signal }) => reject(new Error(`worker exited before starting (code ${code}, signal ${signal})`)));
  });
  started.catch(() => undefined);
  return { child, started, exited, messages };
}

/** Poll `check` until it returns a value or the deadline passes. */
async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs: number, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function openReadOnly(): Db {
  return new Database(dbFile, { readonly: true, fileMustExist: true });
}

function unfinishedClosures(db: Db): number {
  return Number(
    db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE workflow = ? AND status <> 'completed'`).get(closureWorkflowName).n,
  );
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'afterword-crash-'));
  dbFile = join(dataDir, 'afterword.db');
  jobs = await seedClosedSessions({ dataDir, sessions: SESSIONS, minTurns: 40, maxTurns: 80 });
});

after(() => {
  for (const child of children) child.kill('SIGKILL');
  if (process.exitCode === undefined || process.exitCode === 0) rmSync(dataDir, { recursive: true, force: true });
  else console.log(`crash test store kept for inspection: ${dataDir}`);
});

test('a second live process is refused with store_locked, and takes over once the holder is SIGKILLed', async () => {
  const holder = spawnWorker('forever', 1);
  await holder.started;
  // This test process is the second one: it may open the store, but not work on it.
  const app = await createAfterword(loadConfig({ dataDir, logLevel: 'silent' }, {}));
  try {
    await assert.rejects(
      app.startWorkers(1),
      (error: unknown) => error instanceof AfterwordError && error.code === 'store_locked',
    );
    assert.equal(app.orchestrator, null);
    // A second child process is refused the same way.
    const second = spawnWorker('forever', 1);
    await assert.rejects(second.started, /store_locked/);
    assert.equal((await second.exited).code, 3);
    holder.child.kill('SIGKILL');
    await holder.exited;
    // The dead holder's lock file is taken over; stop at once without letting jobs run long.
    const orchestrator = await app.startWorkers(1);
    assert.ok(orchestrator);
  } finally {
    await app.stop();
  }
});

test(`closure jobs survive ${KILLS} SIGKILLs of the worker process (some mid-step) and complete exactly once`, {
  timeout: 150_000,
}, async () => {
  const db = openReadOnly();
  let midStepKills = 0;
  let kills = 0;
  try {
    for (let round = 0; round < KILLS && unfinishedClosures(db) > 0; round++) {
      const before = Number(db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events').get().id);
      const worker = spawnWorker('forever', 2 + (round % 3));
      await worker.started;
      const midStep = round % 3 !== 2;
      if (midStep) {
        // Wait until this process has checkpointed steps, then kill within 0-150 ms: mid-job, often mid-step.
        await waitFor(
          'step checkpoints from the new worker',
          () =>
            db.prepare('SELECT COUNT(*) AS n FROM events WHERE id > ? AND topic = ?').get(before, stepTopic).n >= 1
              ? true
              : undefined,
          30_000,
        );
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)));
      } else {
        // Kill right after start: while it reclaims leases and claims its first batch.
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 30)));
      }
      worker.child.kill('SIGKILL');
      const exit = await worker.exited;
      assert.equal(exit.signal, 'SIGKILL');
      kills++;
      if (midStep) midStepKills++;
    }
    assert.ok(kills >= 5, `expected at least 5 kills before the work ran out, got ${kills}`);

    const last = spawnWorker('until-idle', 4);
    await last.started;
    const finished = await last.exited;
    assert.equal(finished.code, 0, 'final worker exits cleanly after untilIdle');
    assert.ok(last.messages.some((m) => m.type === 'idle'));
  } finally {
    db.close();
  }

  const check = openReadOnly();
  try {
    const closureJobs = check.prepare('SELECT * FROM jobs WHERE workflow = ?').all(closureWorkflowName);
    assert.equal(closureJobs.length, SESSIONS, 'one closure job per session');
    const notCompleted = closureJobs.filter((j) => j.status !== 'completed');
    assert.deepEqual(
      notCompleted.map((j) => `${j.id}:${j.status}`),
      [],
      'every closure job completed',
    );
    assert.equal(
      Number(check.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status = 'processing'`).get().n),
      0,
      'no job left processing',
    );
    assert.equal(
      Number(check.prepare('SELECT COUNT(*) AS n FROM jobs WHERE lease_owner IS NOT NULL OR lease_token IS NOT NULL').get().n),
      0,
      'no lease left',
    );

    const byJob = new Map(jobs.map((j) => [j.jobId, j.sessionId]));
    let deltaRows = 0;
    let mentionRows = 0;
    for (const job of closureJobs) {
      const sessionId = byJob.get(job.id);
      assert.ok(sessionId, `job ${job.id} belongs to a seeded session`);
      const result = JSON.parse(job.result) as { summaryVersion: number; deltaCount: number; mentionCount: number };

      const summaries = check.prepare('SELECT version, job_id FROM story_summaries WHERE session_id = ?').all(sessionId);
      assert.deepEqual(
        summaries.map((s) => [s.version, s.job_id]),
        [[1, job.id]],
        `${sessionId}: exactly one summary, version 1`,
      );
      assert.equal(result.summaryVersion, 1);

      const deltas = check
        .prepare('SELECT job_id, COUNT(*) AS n FROM world_deltas WHERE session_id = ? GROUP BY job_id')
        .all(sessionId);
      const deltaCount = deltas.reduce((sum, d) => sum + Number(d.n), 0);
      assert.equal(deltaCount, result.deltaCount, `${sessionId}: delta rows == result.deltaCount`);
      assert.ok(
        deltas.every((d) => d.job_id === job.id) && deltas.length <= 1,
        `${sessionId}: one set of deltas, from its closure job`,
      );
      deltaRows += deltaCount;

      const mentions = check
        .prepare('SELECT job_id, COUNT(*) AS n FROM entity_mentions WHERE session_id = ? GROUP BY job_id')
        .all(sessionId);
      assert.ok(
        mentions.length <= 1 && mentions.every((m) => m.job_id === job.id),
        `${sessionId}: mentions from exactly one job`,
      );
      const mentionCount = mentions.reduce((sum, m) => sum + Number(m.n), 0);
      assert.equal(mentionCount, result.mentionCount, `${sessionId}: mention rows == result.mentionCount`);
      mentionRows += mentionCount;

      const steps = Number(check.prepare('SELECT COUNT(*) AS n FROM job_steps WHERE job_id = ?').get(job.id).n);
      assert.equal(steps, 6, `${job.id}: six checkpoints`);
    }

    const attempts = closureJobs.reduce((sum, j) => sum + Number(j.attempts), 0);
    const outcomes = Object.fromEntries(
      check
        .prepare(
          `SELECT COALESCE(outcome, 'open') AS outcome, COUNT(*) AS n FROM job_attempts a JOIN jobs j ON j.id = a.job_id WHERE j.workflow = ? GROUP BY 1`,
        )
        .all(closureWorkflowName)
        .map((r) => [r.outcome, Number(r.n)]),
    );
    const interrupted = closureJobs.filter((j) => Number(j.attempts) > 1).length;
    // Jobs whose checkpoints span attempts were killed between steps and resumed from their checkpoints.
    const resumed = Number(
      check
        .prepare(
          `SELECT COUNT(*) AS n FROM (SELECT s.job_id FROM job_steps s JOIN jobs j ON j.id = s.job_id WHERE j.workflow = ? GROUP BY s.job_id HAVING COUNT(DISTINCT s.attempt) > 1)`,
        )
        .get(closureWorkflowName).n,
    );
    console.log(
      `crash-sqlite: kills=${kills} (mid-step ${midStepKills}), jobs=${closureJobs.length}, attempts=${attempts}, jobs interrupted=${interrupted}, resumed from checkpoints=${resumed}, ` +
        `attempt outcomes=${JSON.stringify(outcomes)}, summaries=${SESSIONS}, deltas=${deltaRows}, mentions=${mentionRows}`,
    );
    assert.ok(attempts > closureJobs.length, 'kills interrupted some jobs, so attempts exceed jobs');
    assert.ok(resumed > 0, 'some kills landed between steps, and those jobs resumed from their checkpoints');
    assert.ok((outcomes.lease_expired ?? 0) > 0, 'interrupted attempts are recorded as lease_expired');
    assert.equal(outcomes.open ?? 0, 0, 'no attempt left open');
    assert.equal(outcomes.completed, SESSIONS, 'exactly one completed attempt per job');
  } finally {
    check.close();
  }
});
