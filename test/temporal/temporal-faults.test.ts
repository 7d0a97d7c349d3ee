import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateSyntheticSession } from '../../src/demo/index.js';
import type { WorldFile } from '../../src/domain/world/types.js';
import { packageRoot } from '../../src/paths.js';
import { readInt } from '../../src/store/ports.js';
import type { TemporalEngine } from '../../src/temporal/temporal-engine.js';
import { closureWorkflowName } from '../../src/workflow/closure-payload.js';
import { requireTemporal, temporalTestConfig } from '../support/engines.js';
import {
  createTestApp,
  demoWorld,
  eventually,
  postgresUnreachable,
  requirePostgres,
  testDatabaseUrl,
} from '../support/harness.js';
import { privateTemporal, temporalCli } from '../support/private-temporal.js';

/**
 * Faults on the Temporal engine: `afterword temporal-worker` processes are SIGKILLed while they run
 * activities, several times, and the Temporal server (a private dev server) is restarted once.
 * Afterwards every closure is completed exactly once, with one summary version and one delta set
 * per session. PostgreSQL: the test process and the workers share the store.
 * Size: AFTERWORD_TEMPORAL_FAULT_SESSIONS (default 24), 200 turns each.
 */
const sessions = Number(process.env.AFTERWORD_TEMPORAL_FAULT_SESSIONS ?? 24);
const kills = 4;
const cliMain = join(packageRoot, 'build', 'src', 'cli', 'main.js');

test('SIGKILLed Temporal workers and a Temporal server restart: every closure completes exactly once', {
  timeout: 420_000,
}, async (t) => {
  const pg = await postgresUnreachable();
  if (pg) {
    if (requirePostgres) assert.fail(`PostgreSQL not reachable at ${testDatabaseUrl} (${pg})`);
    return t.skip(`PostgreSQL not reachable (${pg}): set AFTERWORD_TEST_DATABASE_URL`);
  }
  if (!temporalCli()) {
    const reason = 'no Temporal CLI for a private server: set AFTERWORD_TEMPORAL_CLI or run .ci/start-temporal once';
    if (requireTemporal) assert.fail(reason);
    return t.skip(reason);
  }
  const server = await privateTemporal();
  t.after(() => server.destroy());
  await server.start();
  const overrides = temporalTestConfig({
    temporal: {
      address: server.address,
      activity: { heartbeatTimeoutMs: 2_000, retry: { initialIntervalMs: 100, maximumIntervalMs: 1_000 } },
    },
  });
  const { app, dir, cleanup } = await createTestApp({ ...overrides, workers: { concurrency: 0 } }, {}, 'postgres');
  let passed = false;
  t.after(() => cleanup(passed));
  const config = app.config;
  const world = demoWorld() as WorldFile;
  await app.world.importWorld(world);
  const jobIds: string[] = [];
  for (let i = 0; i < sessions; i++) {
    const sessionId = `fault-${String(i).padStart(3, '0')}`;
    await app.sessions.importSession(
      generateSyntheticSession({ seed: 1000 + i, turns: 200, sessionId, world, startAt: Date.UTC(2026, 0, 1) + i * 60_000 }),
    );
    jobIds.push((await app.coordinator.closeSession(sessionId)).job.jobId);
  }

  // The workers: the real CLI command, configured as an operator would.
  const configFile = join(dir, 'worker-config.json');
  writeFileSync(
    configFile,
    JSON.stringify({ temporal: { activity: overrides.temporal?.activity, relay: overrides.temporal?.relay } }),
  );
  const env = {
    ...process.env,
    DATABASE_URL: config.databaseUrl,
    AFTERWORD_PG_SCHEMA: config.pgSchema,
    AFTERWORD_CONFIG: configFile,
    AFTERWORD_LOG_LEVEL: 'silent',
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
  };
  let worker: ChildProcess | null = null;
  const startWorker = () => {
    worker = spawn(process.execPath, [cliMain, 'temporal-worker', '--concurrency', '4'], { env, stdio: 'ignore' });
  };
  const killWorker = async () => {
    const running = worker as ChildProcess | null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  t.after(killWorker);
  const stepsDone = async () =>
    readInt((await app.store.driver.query("SELECT COUNT(*) AS n FROM events WHERE topic = 'offline.sessionClosure.step'"))[0]?.n);

  startWorker();
  for (let k = 0; k < kills; k++) {
    // Kill while steps are being run: after some progress since the last kill, not at the end.
    const before = await stepsDone();
    await eventually(async () => ((await stepsDone()) > before ? true : undefined), 120_000, `progress before kill ${k + 1}`);
    await killWorker();
    if (k === 1) {
      await server.stop();
      await server.start();
    }
    startWorker();
  }
  await eventually(
    async () => {
      const counts = await app.engine.countByStatus(closureWorkflowName);
      return counts.completed === sessions ? true : undefined;
    },
    240_000,
    'every closure completed',
  );
  await killWorker();

  for (const jobId of jobIds) {
    const job = await app.engine.requireJob(jobId);
    assert.equal(job.status, 'completed');
    const sessionId = (job.payload as { sessionId: string }).sessionId;
    const q = async (sql: string) => readInt((await app.store.driver.query(sql, [sessionId]))[0]?.n);
    assert.equal(
      await q('SELECT COUNT(*) AS n FROM story_summaries WHERE session_id = ?'),
      1,
      `${sessionId}: one summary version`,
    );
    assert.equal(
      await q("SELECT COUNT(*) AS n FROM events WHERE topic = 'offline.sessionClosure.completed' AND session_id = ?"),
      1,
      `${sessionId}: completed exactly once`,
    );
    assert.equal(
      await q('SELECT COUNT(DISTINCT job_id) AS n FROM world_deltas WHERE session_id = ?'),
      (job.result as { deltaCount: number }).deltaCount > 0 ? 1 : 0,
      `${sessionId}: one delta set`,
    );
    assert.equal(
      await q('SELECT COUNT(*) AS n FROM world_deltas WHERE session_id = ?'),
      (job.result as { deltaCount: number }).deltaCount,
      `${sessionId}: no delta twice`,
    );
  }
  // How many activities ran again after a kill (Temporal's own record: attempt > 1).
  const client = await (app.engine as TemporalEngine).temporalClient();
  let repeated = 0;
  for (const jobId of jobIds) {
    const history = await client.workflow.getHandle(jobId).fetchHistory();
    repeated += (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length;
  }
  console.log(
    `# temporal faults: ${sessions} closures, ${kills} worker kills, 1 server restart; ${repeated} activities ran again`,
  );
  passed = true;
});
