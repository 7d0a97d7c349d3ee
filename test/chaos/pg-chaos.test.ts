import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { randomIds, systemClock } from '../../src/clock.js';
import { DurableEngine } from '../../src/engine/engine.js';
import { migrate } from '../../src/store/migrate.js';
import { readInt } from '../../src/store/ports.js';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import { createOutboxStore } from '../../src/telemetry/outbox.js';
import { EventBus } from '../../src/telemetry/event-bus.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { postgresUnreachable, requirePostgres, testDatabaseUrl, testEngineSettings } from '../support/harness.js';
import { type PrivatePostgres, privatePostgresUnavailable, startPrivatePostgres } from '../support/private-postgres.js';
import { chaosSteps, chaosWorkflow } from './chaos-workflow.js';

/**
 * Chaos: several worker processes drain a queue of three-step jobs while the test SIGKILLs
 * them at random (mid-step included) and restarts them, and restarts the PostgreSQL server once.
 * Afterwards every job is completed exactly once, every step's artefact row exists exactly once,
 * and no lease is left behind.
 *
 * The server restarted is a PRIVATE one the test starts itself (test/support/private-postgres.ts:
 * initdb into a temporary directory, a free port), never the shared server. Without the server
 * binaries, or with AFTERWORD_CHAOS_PG_RESTART=0, the test runs on AFTERWORD_TEST_DATABASE_URL
 * without the restart. Size: AFTERWORD_CHAOS_JOBS (default 3000), AFTERWORD_CHAOS_WORKERS (default 3).
 */
const workerScript = fileURLToPath(new URL('./chaos-worker.js', import.meta.url));
const jobs = Number(process.env.AFTERWORD_CHAOS_JOBS ?? 3000);
const workerCount = Number(process.env.AFTERWORD_CHAOS_WORKERS ?? 3);
const restartWanted = process.env.AFTERWORD_CHAOS_PG_RESTART !== '0';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('PostgreSQL chaos: SIGKILLed workers and a database restart lose nothing and duplicate nothing', {
  timeout: 960_000,
}, async (t) => {
  const privateUnavailable = restartWanted ? privatePostgresUnavailable() : 'AFTERWORD_CHAOS_PG_RESTART=0';
  let server: PrivatePostgres | null = null;
  if (privateUnavailable) {
    console.log(
      `# chaos: no private PostgreSQL to restart (${privateUnavailable}); running on the shared server without a restart`,
    );
    const unreachable = await postgresUnreachable();
    if (unreachable) {
      const message = `PostgreSQL not reachable at ${testDatabaseUrl} (${unreachable}): set AFTERWORD_TEST_DATABASE_URL`;
      if (requirePostgres) assert.fail(message);
      return t.skip(message);
    }
  } else {
    server = await startPrivatePostgres();
  }
  const databaseUrl = server?.url ?? testDatabaseUrl;
  const schema = `chaos_${randomIds.uuid().replace(/-/g, '').slice(0, 10)}`;
  const driver = await PostgresDriver.connect({ url: databaseUrl, schema, poolSize: 2 });
  await migrate(driver);
  await driver.exec('CREATE TABLE chaos_artefacts (job_id TEXT NOT NULL, step TEXT NOT NULL, attempt INTEGER NOT NULL)');
  const bus = new EventBus(silentLogger());
  const store = createOutboxStore(driver, schema, { bus, clock: systemClock, ids: randomIds, origin: 'chaos-test' });
  const engine = new DurableEngine({
    store,
    logger: silentLogger(),
    clock: systemClock,
    ids: randomIds,
    settings: testEngineSettings,
  }).register(chaosWorkflow());
  for (let done = 0; done < jobs; done += 500) {
    await store.transact(async (tx) => {
      for (let i = done; i < Math.min(jobs, done + 500); i++) await engine.enqueue(tx, { workflow: 'chaos', payload: { i } });
    });
  }

  const children = new Map<number, ChildProcess>();
  const stderr: string[] = [];
  let kills = 0;
  const stopping = new Set<ChildProcess>();
  const crashes: string[] = [];
  let spawned = 0;
  const spawnWorker = (slot: number) => {
    const child = spawn(process.execPath, [workerScript], {
      env: { ...process.env, CHAOS_DATABASE_URL: databaseUrl, CHAOS_SCHEMA: schema, CHAOS_WORKER_ID: `slot${slot}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let own = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      own = (own + chunk.toString()).slice(-3000);
      if (stderr.length < 200) stderr.push(chunk.toString());
    });
    // A worker must survive the database restart on its own: any exit we did not cause is a crash.
    child.once('exit', (code, signal) => {
      if (!stopping.has(child)) crashes.push(`slot ${slot}: exit ${code ?? signal}: ${own.slice(-1500)}`);
    });
    children.set(slot, child);
    spawned++;
  };
  const exited = (child: ChildProcess) =>
    new Promise<void>((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
    );

  const completed = async (): Promise<number> => {
    try {
      const [row] = await driver.query("SELECT COUNT(*) AS n FROM jobs WHERE status = 'completed'");
      return readInt(row?.n);
    } catch {
      return -1; // the database is restarting
    }
  };

  const started = Date.now();
  let restarted = false;
  let passed = false;
  try {
    for (let slot = 0; slot < workerCount; slot++) spawnWorker(slot);
    // The deadline is on progress, not on the whole run: a lost or stuck job stalls the count and
    // fails the test, while a slow, shared machine (CI next to other work) only makes it longer.
    const stallLimitMs = 60_000;
    const overallDeadline = Date.now() + 900_000;
    let lastProgress = Date.now();
    let done = 0;
    let doneAtLastKill = -1;
    while (done < jobs) {
      if (Date.now() - lastProgress > stallLimitMs)
        assert.fail(`no job completed for ${stallLimitMs / 1000} s; only ${done}/${jobs} completed`);
      if (Date.now() > overallDeadline) assert.fail(`only ${done}/${jobs} jobs completed before the deadline`);
      await sleep(150 + Math.random() * 450);
      const now = await completed();
      if (now > done) lastProgress = Date.now();
      done = Math.max(done, now);
      // Kill only after some progress since the last kill: on a loaded machine a worker can take
      // seconds to boot, and killing it before its first claim would test nothing but patience.
      if (done < jobs * 0.9 && done > doneAtLastKill) {
        doneAtLastKill = done;
        const slot = Math.floor(Math.random() * workerCount);
        const victim = children.get(slot);
        if (victim) {
          stopping.add(victim);
          victim.kill('SIGKILL');
          kills++;
          await exited(victim);
          spawnWorker(slot);
        }
      }
      if (server && !restarted && done >= jobs * 0.4) {
        restarted = true;
        await server.restart();
      }
    }
    for (const child of children.values()) {
      stopping.add(child);
      child.kill('SIGTERM');
    }
    await Promise.all([...children.values()].map(exited));

    const rows = async (sql: string) => readInt((await driver.query(sql))[0]?.n);
    const summary = {
      jobs,
      completed: await rows("SELECT COUNT(*) AS n FROM jobs WHERE status = 'completed'"),
      notCompleted: await rows("SELECT COUNT(*) AS n FROM jobs WHERE status <> 'completed'"),
      artefacts: await rows('SELECT COUNT(*) AS n FROM chaos_artefacts'),
      duplicateArtefacts: await rows(
        'SELECT COUNT(*) AS n FROM (SELECT 1 FROM chaos_artefacts GROUP BY job_id, step HAVING COUNT(*) > 1) d',
      ),
      jobsWithoutAllArtefacts: await rows(
        `SELECT COUNT(*) AS n FROM jobs j WHERE (SELECT COUNT(DISTINCT step) FROM chaos_artefacts a WHERE a.job_id = j.id) <> ${chaosSteps.length}`,
      ),
      checkpoints: await rows('SELECT COUNT(*) AS n FROM job_steps'),
      leasesLeft: await rows('SELECT COUNT(*) AS n FROM jobs WHERE lease_token IS NOT NULL OR lease_owner IS NOT NULL'),
      openAttempts: await rows('SELECT COUNT(*) AS n FROM job_attempts WHERE ended_at IS NULL'),
      retriedJobs: await rows('SELECT COUNT(*) AS n FROM jobs WHERE attempts > 1'),
      maxAttempts: await rows('SELECT MAX(attempts) AS n FROM jobs'),
      kills,
      crashes: crashes.length,
      workerProcesses: spawned,
      postgresRestarted: restarted,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    console.log(`# chaos summary ${JSON.stringify(summary)}`);
    assert.equal(summary.completed, jobs);
    assert.equal(summary.notCompleted, 0);
    assert.equal(summary.artefacts, jobs * chaosSteps.length);
    assert.equal(summary.duplicateArtefacts, 0);
    assert.equal(summary.jobsWithoutAllArtefacts, 0);
    assert.equal(summary.checkpoints, jobs * chaosSteps.length);
    assert.equal(summary.leasesLeft, 0);
    assert.equal(summary.openAttempts, 0);
    assert.ok(kills > 0, 'at least one worker was killed');
    assert.deepEqual(crashes, [], 'no worker process died on its own');
    await driver.exec(`DROP SCHEMA ${schema} CASCADE`);
    passed = true;
  } catch (error) {
    console.log(
      `# kept schema ${schema}${server ? ` on the private server` : ''}; worker stderr:\n${stderr.join('').slice(-4000)}`,
    );
    throw error;
  } finally {
    for (const child of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await driver.close();
    await server?.destroy(!passed);
  }
});
