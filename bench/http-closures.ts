/**
 * HTTP closure throughput, end to end: autocannon against a real listening `afterword` service
 * (separate process, SQLite store with synchronous=FULL, bearer auth, per-token rate limiting,
 * schema validation, metrics). Every request closes a DISTINCT pre-created session, so each one
 * commits a real closure: session update + provenance turn + job enqueue + events, one
 * transaction. Baseline in the same run: `GET /healthz` with the same connections (the cost of
 * HTTP + Fastify alone), so the ratio says how much of the budget closure itself takes.
 * The service runs with `--workers 0` (the API-only deployment); the closure workflows are left
 * queued, so this measures the API, not the pipeline (bench/sqlite-engine.ts measures that).
 * Run alone: `npx tsc -p tsconfig.json && node build/bench/http-closures.js [--quick]`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { createAfterword } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { parseTurns } from '../src/sessions/session-input.js';
import { bumpTranscript, insertSession, insertTurns } from '../src/sessions/session-store.js';
import { describeMachine } from './lib/machine.js';
import { fmt, median } from './lib/stats.js';
import { withTempDir } from './lib/temp-dir.js';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<AutocannonResult>;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; p97_5: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
  duration: number;
}

const token = 'bench-admin-token-0123456789abcdef';
const here = fileURLToPath(new URL('.', import.meta.url));

async function prepareSessions(dataDir: string, count: number): Promise<void> {
  const config = loadConfig({ dataDir, logLevel: 'silent', workers: { concurrency: 0 } }, {});
  const app = await createAfterword(config, { logger: silentLogger() });
  try {
    const turns = parseTurns(
      [
        { turnId: 't1', speaker: 'gm', text: 'The harbour bells ring as the fog rolls in.' },
        { turnId: 't2', speaker: 'player', text: 'I wait by the lantern and watch the ferry.' },
      ],
      Date.now(),
      config.limits,
    );
    // 1,000 sessions per transaction: setup is not what is measured.
    for (let start = 0; start < count; start += 1000) {
      await app.store.transact(async (tx) => {
        for (let i = start; i < Math.min(count, start + 1000); i++) {
          await insertSession(tx, `bench-${i}`, { character: { name: 'Kestrel' } } as never, tx.now);
          await insertTurns(tx, `bench-${i}`, 1, turns);
          await bumpTranscript(tx, `bench-${i}`, turns.length, 85, tx.now);
        }
      });
    }
  } finally {
    await app.stop();
  }
}

/**
 * The application's own ceiling, in the same run: `coordinator.closeSession` called directly by
 * the same number of concurrent callers, no HTTP. The HTTP figure is judged against this.
 */
async function inProcessCeiling(dataDir: string, count: number, concurrency: number): Promise<number> {
  const config = loadConfig({ dataDir, logLevel: 'silent', workers: { concurrency: 0 } }, {});
  const app = await createAfterword(config, { logger: silentLogger() });
  try {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) await app.coordinator.closeSession(`bench-${next++}`, { reason: 'bench' });
      }),
    );
    return count / ((performance.now() - started) / 1000);
  } finally {
    await app.stop();
  }
}

async function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const overrides = {
    dataDir,
    logLevel: 'warn',
    workers: { concurrency: 0 },
    limits: { rateLimitPerMinute: 100_000_000 },
    http: { host: '127.0.0.1', port: 0, tokens: [{ token, role: 'admin', name: 'bench' }] },
  };
  const child = spawn(process.execPath, [join(here, 'http-server-child.js'), JSON.stringify(overrides)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { child, url };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function check(result: AutocannonResult, what: string): void {
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(
      `${what}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx (${JSON.stringify(result.statusCodeStats)})`,
    );
  }
}

interface RunFigures {
  count: number;
  rps: number;
  p50: number;
  p99: number;
}

const figures = (r: AutocannonResult, ms: number): RunFigures => ({
  count: r.requests.total,
  rps: r.requests.total / (ms / 1000),
  p50: r.latency.p50,
  p99: r.latency.p99,
});

/** autocannon's own `duration` is whole seconds; time the run ourselves. */
async function timed(opts: Record<string, unknown>): Promise<{ result: AutocannonResult; ms: number }> {
  const started = performance.now();
  const result = await autocannon(opts);
  return { result, ms: performance.now() - started };
}

export async function runHttpBench(opts: { quick?: boolean } = {}): Promise<{ markdown: string }> {
  const seconds = opts.quick ? 2 : 5;
  const runs = 3;
  const connections = 16;
  // enough distinct sessions for every closure request even at 5,000/s
  const sessions = runs * seconds * 5_000;
  return withTempDir('http', async (dir) => {
    const ceilingCount = opts.quick ? 1_000 : 4_000;
    await prepareSessions(dir, sessions + ceilingCount);
    const ceiling = await inProcessCeiling(dir, ceilingCount, connections);
    const { child, url } = await startServer(dir);
    try {
      const headers = { authorization: `Bearer ${token}` };
      // warm-up (JIT, SQLite page cache) on the baseline route
      await autocannon({ url: `${url}/healthz`, connections, duration: 1, headers });
      const closures: RunFigures[] = [];
      const baseline: RunFigures[] = [];
      let next = ceilingCount; // the first sessions were closed by the in-process measurement
      for (let run = 0; run < runs; run++) {
        const base = await timed({ url: `${url}/healthz`, connections, duration: seconds, headers });
        check(base.result, 'GET /healthz');
        baseline.push(figures(base.result, base.ms));
        const closure = await timed({
          url,
          connections,
          duration: seconds,
          requests: [
            {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/json' },
              body: '{"reason":"bench"}',
              // every request closes a different pre-created session
              setupRequest: (request: Record<string, unknown>) => ({ ...request, path: `/v1/sessions/bench-${next++}/close` }),
            },
          ],
        });
        check(closure.result, 'POST /v1/sessions/:id/close');
        closures.push(figures(closure.result, closure.ms));
      }
      // every request must have created a closure job (202), none answered 200 (already closed)
      const counts = (await (await fetch(`${url}/v1/jobs/counts`, { headers })).json()) as Record<string, number>;
      const queued = (counts.queued ?? 0) - ceilingCount;
      const sent = closures.reduce((n, c) => n + c.count, 0);
      // Requests still in flight when a run's time is up commit too: between answered and issued.
      if (queued < sent || queued > next - ceilingCount)
        throw new Error(`expected ${sent}..${next} queued closure jobs, found ${queued}`);

      const med = (xs: RunFigures[], k: keyof RunFigures) => median(xs.map((x) => x[k]));
      const closureRps = med(closures, 'rps');
      const baseRps = med(baseline, 'rps');
      const rows = closures.map(
        (c, i) =>
          `| ${i + 1} | ${fmt(c.rps)} | ${fmt(c.p50, 1)} | ${fmt(c.p99, 1)} | ${fmt(baseline[i]!.rps)} | ${fmt(baseline[i]!.p99, 1)} |`,
      );
      const markdown = [
        `Machine: ${describeMachine()}. ${connections} connections, ${seconds} s per run, ${runs} runs, median reported.`,
        'Server: `startService` in its own process (SQLite, synchronous=FULL, auth + rate limit + validation + metrics on, ' +
          'log level warn, `--workers 0`). Load: autocannon in the parent process. Each closure request closes a distinct pre-created ' +
          'session (2 turns) and commits the closure and its job in one transaction; all ' +
          `${fmt(closures.reduce((n, c) => n + c.count, 0))} closure requests were answered 202 and the jobs verified queued afterwards.`,
        '',
        '| run | closures/s | p50 ms | p99 ms | baseline GET /healthz req/s | baseline p99 ms |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
        ...rows,
        `| **median** | **${fmt(closureRps)}** | **${fmt(med(closures, 'p50'), 1)}** | **${fmt(med(closures, 'p99'), 1)}** | **${fmt(baseRps)}** | **${fmt(med(baseline, 'p99'), 1)}** |`,
        '',
        `In-process ceiling, same run: \`coordinator.closeSession\` called directly by ${connections} concurrent callers ` +
          `(no HTTP; concurrent closures share group commits): **${fmt(ceiling)} closures/s**. ` +
          `Through HTTP: ${fmt((closureRps / ceiling) * 100)}% of that ceiling, and ${fmt((closureRps / baseRps) * 100)}% of the same server's /healthz throughput. ` +
          `Target: >= 1,500 closures/s with p99 < 25 ms on 2 cores: ${closureRps >= 1500 && med(closures, 'p99') < 25 ? 'met' : 'NOT met'}.`,
      ].join('\n');
      return { markdown };
    } finally {
      await stopServer(child);
    }
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { markdown } = await runHttpBench({ quick: process.argv.includes('--quick') });
  process.stdout.write(`${markdown}\n`);
}
