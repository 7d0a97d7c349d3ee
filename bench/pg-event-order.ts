/**
 * What ordering event ids by commit costs on PostgreSQL (issue 9, item 8). The outbox writes a
 * transaction's events while holding a lock kept until its COMMIT (src/telemetry/outbox.ts), so
 * event-writing transactions commit one after another from that instant on. This measures
 * transactions per second that each write one event, with 1, 4 and 16 concurrent writers on one
 * pool, with the lock and without it (ids in sequence order, which a reader could skip), in the
 * same run, alternating, medians of several rounds.
 *
 * Run alone: `npx tsc -p tsconfig.json && node build/bench/pg-event-order.js [--quick]`
 * (AFTERWORD_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { randomIds, systemClock } from '../src/clock.js';
import { migrate } from '../src/store/migrate.js';
import type { SqlDriver } from '../src/store/ports.js';
import { PostgresDriver } from '../src/store/postgres/postgres-driver.js';
import { EventBus } from '../src/telemetry/event-bus.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { createOutboxStore } from '../src/telemetry/outbox.js';
import { runAlone } from './lib/run-alone.js';
import { fmt, median } from './lib/stats.js';

/** The same driver with the commit-order lock switched off (what the outbox did before). */
function withoutOrderLock(driver: SqlDriver): SqlDriver {
  return Object.create(driver, { fragments: { value: { ...driver.fragments, transactionLock: null } } });
}

async function rate(driver: SqlDriver, writers: number, perWriter: number): Promise<number> {
  const store = createOutboxStore(driver, 'bench', {
    bus: new EventBus(silentLogger()),
    clock: systemClock,
    ids: randomIds,
    origin: 'bench',
  });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        await store.transact((tx) => tx.emit('engine.job.queued', { jobId: `w${w}-${i}` }));
      }
    }),
  );
  return (writers * perWriter) / ((performance.now() - started) / 1000);
}

export async function runPgBench(options: { quick?: boolean; url?: string } = {}): Promise<{ markdown: string }> {
  const url = options.url ?? process.env.AFTERWORD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_event_order_${process.pid}`;
  const driver = await PostgresDriver.connect({ url, schema, poolSize: 16 });
  const rounds = options.quick ? 2 : 5;
  const total = options.quick ? 400 : 2_000;
  const rows: string[] = [];
  try {
    await migrate(driver);
    const unordered = withoutOrderLock(driver);
    for (const writers of [1, 4, 16]) {
      const ordered: number[] = [];
      const plain: number[] = [];
      for (let round = 0; round < rounds; round++) {
        ordered.push(await rate(driver, writers, Math.ceil(total / writers)));
        plain.push(await rate(unordered, writers, Math.ceil(total / writers)));
      }
      const a = median(ordered);
      const b = median(plain);
      rows.push(`| ${writers} | ${fmt(a)} | ${fmt(b)} | ${fmt(a / b, 2)}x |`);
      process.stderr.write(`# ${writers} writers: ${fmt(a)} ordered vs ${fmt(b)} unordered tx/s\n`);
    }
  } finally {
    await driver.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await driver.close();
  }
  return {
    markdown: [
      '### Event ids in commit order on PostgreSQL: the cost',
      '',
      `${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPU cores shared with PostgreSQL. Transactions per second, each writing one event, ${total} per cell, median of ${rounds} alternating rounds. "Ordered" is the outbox as shipped (events written under a lock held to COMMIT, so no reader can skip one); "unordered" is the same without the lock.`,
      '',
      '| concurrent writers | ordered tx/s | unordered tx/s | ordered / unordered |',
      '|---:|---:|---:|---:|',
      ...rows,
      '',
      `Command: \`npx tsc -p tsconfig.json && node build/bench/pg-event-order.js${options.quick ? ' --quick' : ''}\``,
      '',
    ].join('\n'),
  };
}

runAlone(import.meta.url, runPgBench);
