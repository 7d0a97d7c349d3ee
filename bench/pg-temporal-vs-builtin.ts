/**
 * The closure workflow on the Temporal engine against the built-in engine, both over PostgreSQL,
 * in the same run: N synthetic 200-turn sessions (demo world) are imported, workers are started
 * in-process (concurrency 8; on Temporal an in-process Temporal worker on its own task queue),
 * then every session is closed (16 closures in flight). Closures/s is the first closure's enqueue
 * to the last completion; closure-to-start is each job's `startedAt - enqueuedAt` (the job row:
 * the same clock on both engines). A second, paced phase closes sessions one at a time on an idle
 * engine, waiting for each to start: the pick-up latency without a queue.
 *
 * Needs a Temporal server: AFTERWORD_BENCH_TEMPORAL_ADDRESS (or AFTERWORD_TEMPORAL_ADDRESS).
 * Run alone: `npx tsc -p tsconfig.json && AFTERWORD_TEMPORAL_ADDRESS=127.0.0.1:7233 node build/bench/pg-temporal-vs-builtin.js [--quick]`
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createAfterword } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateSyntheticSession } from '../src/demo/index.js';
import type { WorldFile } from '../src/domain/world/types.js';
import { PostgresDriver } from '../src/store/postgres/postgres-driver.js';
import { closureWorkflowName } from '../src/workflow/closure-payload.js';
import { runAlone } from './lib/run-alone.js';
import { fmt, percentile, pollUntil } from './lib/stats.js';

const worldPath = fileURLToPath(new URL('../../worlds/demo-world.json', import.meta.url));

interface Row {
  engine: 'builtin' | 'temporal';
  sessions: number;
  elapsedMs: number;
  toStartMs: number[];
  pacedToStartMs: number[];
}

async function measure(url: string, engine: Row['engine'], address: string, sessions: number, paced: number): Promise<Row> {
  const schema = `bench_temporal_${process.pid}_${engine}`;
  const admin = await PostgresDriver.connect({ url, schema: 'public', poolSize: 1 });
  await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const app = await createAfterword(
    loadConfig(
      {
        databaseUrl: url,
        pgSchema: schema,
        logLevel: 'silent',
        engineKind: engine,
        temporal: { address, taskQueue: `afterword-bench-${process.pid}-${Date.now()}`, relay: { pollIntervalMs: 100 } },
      },
      {},
    ),
  );
  try {
    const world = JSON.parse(readFileSync(worldPath, 'utf8')) as WorldFile;
    await app.world.importWorld(world);
    const ids = Array.from({ length: sessions + paced }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
    for (const [i, sessionId] of ids.entries()) {
      await app.sessions.importSession(
        generateSyntheticSession({ seed: 17 + i, turns: 200, sessionId, world, startAt: Date.UTC(2026, 0, 1) }),
      );
    }
    const workers = await app.startWorkers(8);
    // Paced: one closure at a time on an idle engine.
    const pacedJobs: string[] = [];
    for (const sessionId of ids.slice(sessions)) {
      const { job } = await app.coordinator.closeSession(sessionId, { reason: 'bench', closedBy: 'bench' });
      pacedJobs.push(job.jobId);
      await pollUntil(
        'paced closure completed',
        async () => (await app.engine.requireJob(job.jobId)).status === 'completed',
        60_000,
        1,
      );
    }
    // Throughput: every session closed, 16 closures in flight.
    const queue = ids.slice(0, sessions);
    const jobIds: string[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          jobIds.push((await app.coordinator.closeSession(next, { reason: 'bench', closedBy: 'bench' })).job.jobId);
        }
      }),
    );
    await pollUntil(
      'every closure completed',
      async () => (await app.engine.countByStatus(closureWorkflowName)).completed === sessions + paced,
      600_000,
      20,
    );
    await workers.untilIdle();
    const jobs = await Promise.all(jobIds.map((id) => app.engine.requireJob(id)));
    const pacedRows = await Promise.all(pacedJobs.map((id) => app.engine.requireJob(id)));
    const bad = [...jobs, ...pacedRows].filter((j) => j.status !== 'completed' || j.attempts !== 1);
    if (bad.length > 0) throw new Error(`${engine}: ${bad.length} closures not completed in one attempt`);
    const first = Math.min(...jobs.map((j) => j.enqueuedAt));
    const last = Math.max(...jobs.map((j) => j.completedAt ?? 0));
    return {
      engine,
      sessions,
      elapsedMs: last - first,
      toStartMs: jobs.map((j) => (j.startedAt ?? 0) - j.enqueuedAt),
      pacedToStartMs: pacedRows.map((j) => (j.startedAt ?? 0) - j.enqueuedAt),
    };
  } finally {
    await app.stop();
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.close();
  }
}

export async function runPgBench(options: { quick?: boolean } = {}): Promise<{ markdown: string }> {
  const url = process.env.AFTERWORD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const address = process.env.AFTERWORD_BENCH_TEMPORAL_ADDRESS ?? process.env.AFTERWORD_TEMPORAL_ADDRESS;
  const title = '### Closure workflow: Temporal engine vs built-in engine, PostgreSQL';
  if (!address) {
    return {
      markdown: `${title}\n\nSkipped: no Temporal server (set AFTERWORD_BENCH_TEMPORAL_ADDRESS or AFTERWORD_TEMPORAL_ADDRESS; .ci/start-temporal starts one).\n`,
    };
  }
  const sessions = options.quick ? 40 : 200;
  const paced = options.quick ? 10 : 40;
  const rows: Row[] = [];
  for (const engine of ['builtin', 'temporal'] as const) {
    const row = await measure(url, engine, address, sessions, paced);
    rows.push(row);
    process.stderr.write(`# ${engine}: ${fmt(sessions / (row.elapsedMs / 1000), 1)} closures/s\n`);
  }
  const base = rows[0] as Row;
  const rate = (r: Row) => r.sessions / (r.elapsedMs / 1000);
  const lines = [
    title,
    '',
    `${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPU cores shared by PostgreSQL, the Temporal dev server and the benchmark; first (paced) ${paced} synthetic 200-turn sessions closed one at a time on an idle engine, each waiting for its completion; then ${sessions} more closed 16 at a time with 8 in-process workers (closures/s and the unpaced closure-to-start, which includes the queue). Same run, same machine.`,
    '',
    '| engine | closures | closures/s | vs built-in | closure-to-start p50 ms | p99 ms | paced closure-to-start p50 ms | paced p99 ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.engine} | ${r.sessions} | ${fmt(rate(r), 1)} | ${fmt(rate(r) / rate(base), 2)}x | ${fmt(percentile(r.toStartMs, 50), 1)} | ${fmt(percentile(r.toStartMs, 99), 1)} | ${fmt(percentile(r.pacedToStartMs, 50), 1)} | ${fmt(percentile(r.pacedToStartMs, 99), 1)} |`,
    ),
    '',
    `Command: \`npx tsc -p tsconfig.json && AFTERWORD_TEMPORAL_ADDRESS=... node build/bench/pg-temporal-vs-builtin.js${options.quick ? ' --quick' : ''}\``,
    '',
    "Reading it: on Temporal a closure starts after the outbox relay hands it to Temporal and a workflow task schedules its first activities (several round trips to the Temporal server, each persisted there), and every step is an activity of its own; the built-in engine claims jobs straight from the table. The dev server is a single process with SQLite persistence on the same cores, so the Temporal figures are a floor, not a cluster's.",
    '',
  ];
  return { markdown: lines.join('\n') };
}

runAlone(import.meta.url, runPgBench);
