/**
 * PostgreSQL queue benchmark: Afterword's engine against graphile-worker 0.16.6 and pg-boss 10,
 * in the same run, on the same server, with the same concurrency.
 *
 * - Drain throughput: enqueue N no-op jobs in bulk first (not timed), then time from starting the
 *   workers until the database says every job is finished. Jobs per second.
 * - Enqueue-to-start latency: with workers idle-waiting, enqueue one job at a time from a separate
 *   client at a modest rate and measure until its handler starts; p50 and p99.
 * Each figure is the median of several runs; ratios are to graphile-worker.
 *
 * Run alone: `npx tsc -p tsconfig.json && node build/bench/pg-queue-comparison.js [--quick]`
 * (AFTERWORD_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { runAlone } from './lib/run-alone.js';
import pg from 'pg';
import { afterwordQueue } from './peers/afterword.js';
import { graphileWorkerQueue } from './peers/graphile-worker.js';
import { pgBossQueue } from './peers/pg-boss.js';
import type { BenchConfig, BenchQueue } from './peers/types.js';

export interface PgBenchOptions {
  quick?: boolean;
  url?: string;
  concurrency?: number;
  /** Measure only the queues whose name starts with one of these (case-insensitive), for quick checks. */
  only?: string[];
}

interface Figures {
  name: string;
  settings: string;
  drainPerSecond: number[];
  p50: number[];
  p99: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function measureDrain(queue: BenchQueue, jobs: number): Promise<number> {
  await queue.setup();
  try {
    await queue.enqueueBulk(jobs);
    let handled = 0;
    const started = performance.now();
    await queue.startWorkers(
      () => undefined,
      () => {
        handled++;
      },
    );
    // The run ends when the database says every job is finished: checked every 100 ms while
    // handlers are still busy, then every 2 ms once they report they have handled them all.
    const deadline = Date.now() + 600_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${queue.name}: jobs left after 10 minutes`);
      if (handled >= jobs || (await queue.remaining()) > 0) {
        if (handled >= jobs && (await queue.remaining()) === 0) break;
        await sleep(handled >= jobs ? 2 : 100);
      } else break;
    }
    return jobs / ((performance.now() - started) / 1000);
  } finally {
    await queue.teardown();
  }
}

async function measureLatency(queue: BenchQueue, samples: number, intervalMs: number): Promise<number[]> {
  await queue.setup();
  try {
    const sent = new Map<number, number>();
    const latencies: number[] = [];
    let waiting: (() => void) | undefined;
    await queue.startWorkers(
      (tag) => {
        const at = sent.get(tag);
        if (at === undefined) return;
        latencies.push(performance.now() - at);
        sent.delete(tag);
        waiting?.();
      },
      () => undefined,
    );
    await sleep(300); // let the workers reach their idle wait
    for (let tag = 0; tag < samples; tag++) {
      const next = sleep(intervalMs);
      const started = new Promise<void>((resolve) => (waiting = resolve));
      sent.set(tag, performance.now());
      await queue.enqueueOne(tag);
      await Promise.race([started, sleep(5_000)]);
      await next;
    }
    return latencies;
  } finally {
    await queue.teardown();
  }
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The targets, judged on this run's medians. */
function targetsLine(figures: Figures[]): string {
  const ours = figures.find((f) => f.name === 'Afterword');
  const graphile = figures.find((f) => f.name.startsWith('graphile-worker'));
  if (!ours || !graphile) return 'Targets: not judged (Afterword or graphile-worker not measured in this run).';
  const ratio = median(ours.drainPerSecond) / median(graphile.drainPerSecond);
  const p50 = median(ours.p50);
  const p99 = median(ours.p99);
  const verdict = (ok: boolean) => (ok ? '**met**' : '**not met**');
  return (
    `Targets: no-op drain >= 2x graphile-worker: ${verdict(ratio >= 2)} (${round(ratio)}x); ` +
    `start latency p50 <= 2 ms: ${verdict(p50 <= 2)} (${round(p50)} ms); p99 <= 10 ms: ${verdict(p99 <= 10)} (${round(p99)} ms).`
  );
}

export async function runPgBench(options: PgBenchOptions = {}): Promise<{ markdown: string; figures: Figures[] }> {
  const url = options.url ?? process.env.AFTERWORD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const concurrency = options.concurrency ?? 32;
  const config: BenchConfig = { url, concurrency };
  const runs = options.quick ? 1 : 3;
  const jobs = options.quick ? 2_000 : 10_000;
  const samples = options.quick ? 60 : 200;
  const intervalMs = 20;
  const only = options.only?.map((name) => name.toLowerCase());
  const queues: Array<() => BenchQueue> = [
    () => graphileWorkerQueue(config),
    () => pgBossQueue(config),
    () => afterwordQueue(config),
  ].filter((make) => !only || only.some((name) => make().name.toLowerCase().startsWith(name)));
  const figures: Figures[] = queues.map((make) => {
    const q = make();
    return { name: q.name, settings: q.settings, drainPerSecond: [], p50: [], p99: [] };
  });
  // Interleave the queues run by run, so drift on the machine affects them alike.
  for (let run = 0; run < runs; run++) {
    for (const [i, make] of queues.entries()) {
      const f = figures[i] as Figures;
      // pg-boss drains at batchSize per polling interval (64 jobs/s here), so it gets fewer jobs.
      const q = make();
      f.drainPerSecond.push(await measureDrain(q, q.name.startsWith('pg-boss') ? Math.min(jobs, 1_000) : jobs));
      const latencies = await measureLatency(make(), samples, intervalMs);
      f.p50.push(percentile(latencies, 50));
      f.p99.push(percentile(latencies, 99));
      process.stderr.write(
        `# run ${run + 1}/${runs} ${f.name}: ${round(f.drainPerSecond.at(-1) as number, 0)} jobs/s, p50 ${round(f.p50.at(-1) as number)} ms, p99 ${round(f.p99.at(-1) as number)} ms\n`,
      );
    }
  }
  const server = new pg.Client({ connectionString: url });
  server.on('error', () => undefined); // a lost connection surfaces as a failed query
  await server.connect();
  const version = (await server.query('SHOW server_version')).rows[0].server_version as string;
  await server.end();
  const base = figures[0] as Figures;
  const baseDrain = median(base.drainPerSecond);
  const baseP50 = median(base.p50);
  const baseP99 = median(base.p99);
  const lines = [
    `### PostgreSQL job queues: Afterword vs graphile-worker vs pg-boss`,
    '',
    `${new Date().toISOString().slice(0, 10)}, PostgreSQL ${version} on the same machine, Node ${process.version}, ${cpus().length} CPU cores; concurrency ${concurrency} for every queue; ` +
      `median of ${runs} run(s); drain of ${jobs} no-op jobs (pg-boss: ${Math.min(jobs, 1_000)}) enqueued in bulk first; latency over ${samples} jobs enqueued one at a time every ${intervalMs} ms while workers idle.`,
    '',
    '| queue | drain (jobs/s) | vs graphile-worker | start latency p50 (ms) | p99 (ms) | p50 / p99 vs graphile-worker |',
    '|---|---:|---:|---:|---:|---:|',
    ...figures.map((f) => {
      const drain = median(f.drainPerSecond);
      const p50 = median(f.p50);
      const p99 = median(f.p99);
      return `| ${f.name} | ${round(drain, 0)} | ${round(drain / baseDrain)}x | ${round(p50)} | ${round(p99)} | ${round(p50 / baseP50)}x / ${round(p99 / baseP99)}x |`;
    }),
    '',
    targetsLine(figures),
    '',
    'Settings:',
    ...figures.map((f) => `- ${f.name}: ${f.settings}`),
    '',
    'Command: `npx tsc -p tsconfig.json && node build/bench/pg-queue-comparison.js`' + (options.quick ? ' --quick' : ''),
    '',
  ];
  return { markdown: lines.join('\n'), figures };
}

runAlone(import.meta.url, runPgBench, (argv) => {
  const onlyAt = argv.indexOf('--only');
  return { quick: argv.includes('--quick'), ...(onlyAt > 0 ? { only: (argv[onlyAt + 1] ?? '').split(',') } : {}) };
});
