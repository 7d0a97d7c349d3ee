import { type Runner, run, makeWorkerUtils, type WorkerUtils, Logger } from 'graphile-worker';
import pg from 'pg';
import type { BenchConfig, BenchQueue } from './types.js';

let instances = 0;
const silent = new Logger(() => () => undefined);

/**
 * graphile-worker 0.16.6 with its documented performance settings: one runner with
 * `concurrency` = the shared concurrency, a pool big enough for it (`maxPoolSize` = concurrency + 2),
 * prepared statements on (default), LISTEN/NOTIFY wake-ups (built in), pollInterval 1000 ms as the
 * fallback only. (The local queue and batched completions arrived after 0.16.)
 */
export function graphileWorkerQueue(config: BenchConfig): BenchQueue {
  // A schema per instance: a previous instance still winding down never touches this one's jobs.
  const schema = `bench_graphile_worker_${process.pid}_${++instances}`;
  let runner: Runner | undefined;
  let utils: WorkerUtils | undefined;
  const pool = new pg.Pool({ connectionString: config.url, max: 2 });
  pool.on('error', () => undefined); // an idle client's lost connection; the next query reconnects
  return {
    name: 'graphile-worker 0.16.6',
    settings: `concurrency ${config.concurrency}, maxPoolSize ${config.concurrency + 2}, pollInterval 1000 ms, LISTEN/NOTIFY, prepared statements`,
    async setup() {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      utils = await makeWorkerUtils({ connectionString: config.url, schema, logger: silent });
      await utils.migrate();
    },
    async enqueueBulk(n) {
      await pool.query(`SELECT ${schema}.add_job('noop', json_build_object('tag', -1)) FROM generate_series(1, $1)`, [n]);
    },
    async startWorkers(onStart, onDone) {
      runner = await run({
        connectionString: config.url,
        schema,
        concurrency: config.concurrency,
        maxPoolSize: config.concurrency + 2,
        pollInterval: 1000,
        noHandleSignals: true,
        logger: silent,
        taskList: {
          noop: async (payload) => {
            onStart((payload as { tag: number }).tag);
          },
        },
      });
      runner.events.on('job:success', () => onDone());
    },
    async remaining() {
      const { rows } = await pool.query(`SELECT COUNT(*)::int AS n FROM ${schema}._private_jobs`);
      return rows[0].n as number;
    },
    async enqueueOne(tag) {
      await utils?.addJob('noop', { tag });
    },
    async teardown() {
      await runner?.stop();
      await utils?.release();
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
}
