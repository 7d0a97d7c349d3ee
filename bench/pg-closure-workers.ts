/**
 * The full closure workflow on PostgreSQL with 1, 2 and 4 `afterword worker` processes.
 *
 * For each process count: a fresh schema, the demo world, N synthetic 200-turn sessions imported
 * and closed (their closure jobs queued, not timed), then that many real `afterword worker
 * --until-idle` processes (default concurrency 4 each) drain the backlog. Elapsed time is the
 * database's own: first claim to last completion of the closure jobs, so process start-up (Node
 * boot, module load) is not counted. Job p50/p99 is each job's `durationMs` (claim to completion,
 * all six steps and their checkpoints). Every job must end `completed` with one attempt.
 *
 * Run alone: `npx tsc -p tsconfig.json && node build/bench/pg-closure-workers.js [--quick]`
 * (AFTERWORD_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createAfterword } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { generateSyntheticSession } from '../src/demo/index.js';
import type { WorldFile } from '../src/domain/world/types.js';
import { readInt } from '../src/store/ports.js';
import { PostgresDriver } from '../src/store/postgres/postgres-driver.js';
import { closureWorkflowName } from '../src/workflow/closure-payload.js';
import { runAlone } from './lib/run-alone.js';
import { fmt, percentile } from './lib/stats.js';

const cliPath = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const worldPath = fileURLToPath(new URL('../../worlds/demo-world.json', import.meta.url));

interface Options {
  quick?: boolean;
  url?: string;
}

interface Row {
  processes: number;
  sessions: number;
  elapsedMs: number;
  jobMs: number[];
}

/** Import and close `sessions` sessions in a fresh schema; their closure jobs wait for workers. */
async function prepare(url: string, schema: string, sessions: number, turns: number): Promise<void> {
  const app = await createAfterword(
    loadConfig({ databaseUrl: url, pgSchema: schema, logLevel: 'silent', workers: { concurrency: 0 } }, {}),
  );
  try {
    const world = JSON.parse(readFileSync(worldPath, 'utf8')) as WorldFile;
    await app.world.importWorld(world);
    for (let i = 0; i < sessions; i++) {
      const sessionId = `bench-${String(i).padStart(4, '0')}`;
      await app.sessions.importSession(
        generateSyntheticSession({ seed: 17 + i, turns, sessionId, world, startAt: Date.UTC(2026, 0, 1) }),
      );
      await app.coordinator.closeSession(sessionId, { reason: 'bench', closedBy: 'bench' });
    }
  } finally {
    await app.stop();
  }
}

function runWorker(url: string, schema: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, 'worker', '--until-idle'], {
      env: { ...process.env, DATABASE_URL: url, AFTERWORD_PG_SCHEMA: schema, AFTERWORD_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}: ${stderr.slice(-2000)}`))));
  });
}

async function measure(url: string, processes: number, sessions: number, turns: number): Promise<Row> {
  const schema = `bench_closure_${process.pid}_${processes}`;
  const admin = await PostgresDriver.connect({ url, schema: 'public', poolSize: 1 });
  try {
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await prepare(url, schema, sessions, turns);
    await Promise.all(Array.from({ length: processes }, () => runWorker(url, schema)));
    const jobs = await admin.query(
      `SELECT status, attempts, started_at, completed_at, duration_ms FROM ${schema}.jobs WHERE workflow = ?`,
      [closureWorkflowName],
    );
    const bad = jobs.filter((j) => j.status !== 'completed' || readInt(j.attempts) !== 1);
    if (jobs.length !== sessions || bad.length > 0) {
      throw new Error(`closure bench: ${jobs.length} jobs, ${bad.length} not completed in one attempt`);
    }
    const first = Math.min(...jobs.map((j) => readInt(j.started_at)));
    const last = Math.max(...jobs.map((j) => readInt(j.completed_at)));
    return { processes, sessions, elapsedMs: last - first, jobMs: jobs.map((j) => readInt(j.duration_ms)) };
  } finally {
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.close();
  }
}

export async function runPgBench(options: Options = {}): Promise<{ markdown: string }> {
  const url = options.url ?? process.env.AFTERWORD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const sessions = options.quick ? 40 : 200;
  const turns = 200;
  const rows: Row[] = [];
  for (const processes of [1, 2, 4]) {
    const row = await measure(url, processes, sessions, turns);
    rows.push(row);
    process.stderr.write(`# ${processes} worker process(es): ${fmt(sessions / (row.elapsedMs / 1000), 1)} sessions/s\n`);
  }
  const base = rows[0] as Row;
  const rate = (r: Row) => r.sessions / (r.elapsedMs / 1000);
  const lines = [
    '### Full closure workflow on PostgreSQL, 1, 2 and 4 worker processes',
    '',
    `${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPU cores shared by PostgreSQL and every process; ${sessions} synthetic ${turns}-turn sessions (demo world) closed first, then drained by N \`afterword worker --until-idle\` processes (concurrency 4 each). Elapsed is first claim to last completion, from the jobs table.`,
    '',
    '| worker processes | sessions | elapsed s | sessions/s | vs 1 process | job p50 ms | job p99 ms |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.processes} | ${r.sessions} | ${fmt(r.elapsedMs / 1000, 2)} | ${fmt(rate(r), 1)} | ${fmt(rate(r) / rate(base), 2)}x | ${fmt(percentile(r.jobMs, 50), 0)} | ${fmt(percentile(r.jobMs, 99), 0)} |`,
    ),
    '',
    `Command: \`npx tsc -p tsconfig.json && node build/bench/pg-closure-workers.js${options.quick ? ' --quick' : ''}\``,
    '',
    `Reading the scaling: with ${cpus().length} cores shared by PostgreSQL and every worker process, processes add throughput only while cores are idle; ` +
      'beyond that they add start-up, warm-up and jobs in flight per core (job p50 grows). On separate machines the one-process rate is what adds up; ' +
      'processes coordinate only through row locks on `jobs`, skipped with `SKIP LOCKED`.',
    '',
  ];
  return { markdown: lines.join('\n') };
}

runAlone(import.meta.url, runPgBench);
