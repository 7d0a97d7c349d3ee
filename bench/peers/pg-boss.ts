import PgBoss from 'pg-boss';
import pg from 'pg';
import type { BenchConfig, BenchQueue } from './types.js';

let instances = 0;
const queue = 'noop';

/**
 * pg-boss 10 with its documented throughput settings: `work()` with `batchSize` = the shared
 * concurrency (one fetch takes a batch, completed together) and the minimum polling interval
 * (`pollingIntervalSeconds: 0.5`); pg-boss has no LISTEN/NOTIFY wake-up, so polling bounds its
 * latency. Pool `max` = concurrency + 2. Bulk insert with `insert()`.
 */
export function pgBossQueue(config: BenchConfig): BenchQueue {
  // A schema per instance: a previous instance still winding down never touches this one's jobs.
  const schema = `bench_pgboss_${process.pid}_${++instances}`;
  let boss: PgBoss | undefined;
  let producer: PgBoss | undefined;
  const pool = new pg.Pool({ connectionString: config.url, max: 2 });
  pool.on('error', () => undefined); // an idle client's lost connection; the next query reconnects
  return {
    name: 'pg-boss 10.4',
    settings: `work() batchSize ${config.concurrency}, pollingIntervalSeconds 0.5 (minimum), max ${config.concurrency + 2} connections, no LISTEN/NOTIFY`,
    async setup() {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      boss = new PgBoss({ connectionString: config.url, schema, max: config.concurrency + 2, supervise: false, schedule: false });
      boss.on('error', () => undefined);
      await boss.start();
      await boss.createQueue(queue);
      producer = new PgBoss({ connectionString: config.url, schema, max: 2, supervise: false, schedule: false, migrate: false });
      producer.on('error', () => undefined);
      await producer.start();
    },
    async enqueueBulk(n) {
      for (let i = 0; i < n; i += 1000) {
        await boss?.insert(Array.from({ length: Math.min(1000, n - i) }, () => ({ name: queue, data: { tag: -1 } })));
      }
    },
    async startWorkers(onStart, onDone) {
      await boss?.work<{ tag: number }>(queue, { batchSize: config.concurrency, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const job of jobs) onStart(job.data.tag);
        queueMicrotask(() => {
          for (let i = 0; i < jobs.length; i++) onDone();
        });
      });
    },
    async remaining() {
      const { rows } = await pool.query(`SELECT COUNT(*)::int AS n FROM ${schema}.job WHERE name = $1 AND state <> 'completed'`, [
        queue,
      ]);
      return rows[0].n as number;
    },
    async enqueueOne(tag) {
      await producer?.send(queue, { tag });
    },
    async teardown() {
      await producer?.stop({ graceful: false, wait: true }).catch(() => undefined);
      await boss?.stop({ graceful: true, wait: true, timeout: 5_000 }).catch(() => undefined);
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
}
