/**
 * Studio scale (issue 11): N demo sessions (default 1,000, 200 turns each) closed and processed
 * on SQLite and on PostgreSQL, then moderated and published, then pruned. Reports, per store:
 * closure drain time, moderation items before and after grouping, open alerts, the time to decide
 * everything, batches published (must be all), checkpoint bytes per closure, and the store's size
 * before and after pruning.
 *
 * Run alone: `npx tsc -p tsconfig.json && node build/bench/studio-scale.js --sessions 1000`
 * (`--turns T`, `--stores sqlite,postgres`, `--quick` = 20 sessions;
 * AFTERWORD_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 * Not part of `npm run bench` (it takes minutes); `test/bench/studio-scale.smoke.test.ts` runs it
 * with a handful of sessions.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Afterword, createAfterword } from '../src/app.js';
import type { Clock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { runDemo } from '../src/demo/run-demo.js';
import { readInt } from '../src/store/ports.js';
import { PostgresDriver } from '../src/store/postgres/postgres-driver.js';
import { closureWorkflowName } from '../src/workflow/closure-payload.js';
import { runAlone } from './lib/run-alone.js';
import { withTempDir } from './lib/temp-dir.js';
import { fmt } from './lib/stats.js';

const worldPath = fileURLToPath(new URL('../../worlds/demo-world.json', import.meta.url));
const day = 24 * 3_600_000;
/** Deltas a moderator must decide (pending ones publish without a decision). */
const reviewStatuses = "('needs-review', 'escalated')";

export interface StudioScaleOptions {
  quick?: boolean;
  sessions?: number;
  turns?: number;
  stores?: Array<'sqlite' | 'postgres'>;
  url?: string;
}

export interface StudioScaleRow {
  store: 'sqlite' | 'postgres';
  sessions: number;
  closuresCompleted: number;
  drainMs: number;
  deltas: number;
  /** Deltas needing a moderator's decision (one item each before grouping). */
  reviewDeltas: number;
  /** Moderation items after grouping (contested entities count once). */
  groupedItems: number;
  groupedBy: string;
  openAlertsBefore: number;
  openAlertsAfter: number;
  decideMs: number;
  decidedBy: string;
  batches: number;
  batchesPublished: number;
  checkpointBytesPerClosure: number;
  storeBytesBefore: number;
  storeBytesAfter: number;
  pruned: Record<string, number> | null;
}

/** Real time plus an offset the bench moves forward (batch times, retention windows). */
class BenchClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
}

async function scalar(app: Afterword, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await app.store.driver.query<{ n: unknown }>(sql, params);
  return row?.n === null || row?.n === undefined ? 0 : readInt(row.n);
}

/** Bytes the store occupies: SQLite's live pages; PostgreSQL's tables and indexes in the schema. */
async function storeBytes(app: Afterword, dialect: 'sqlite' | 'postgres', schema: string): Promise<number> {
  if (dialect === 'sqlite') {
    const [pages] = await app.store.driver.query<{ n: unknown }>('SELECT page_count AS n FROM pragma_page_count()');
    const [free] = await app.store.driver.query<{ n: unknown }>('SELECT freelist_count AS n FROM pragma_freelist_count()');
    const [size] = await app.store.driver.query<{ n: unknown }>('SELECT page_size AS n FROM pragma_page_size()');
    return (readInt(pages?.n) - readInt(free?.n)) * readInt(size?.n);
  }
  // The rows' own bytes (TOAST included), table by table: what pruning frees for reuse, without
  // VACUUM FULL (which rewrites every table and took minutes on the shared server).
  const tables = await app.store.driver.query<{ t: string }>('SELECT tablename AS t FROM pg_tables WHERE schemaname = ?', [
    schema,
  ]);
  let total = 0;
  for (const { t } of tables)
    total += await scalar(app, `SELECT COALESCE(SUM(pg_column_size(x.*)), 0)::bigint AS n FROM "${t}" x`);
  return total;
}

async function compact(app: Afterword, dialect: 'sqlite' | 'postgres'): Promise<void> {
  // Deleted rows leave free pages on SQLite: reclaim them to measure (PostgreSQL counts live rows).
  if (dialect === 'sqlite') await app.store.driver.exec('VACUUM');
}

async function openDeltaCount(app: Afterword): Promise<number> {
  return scalar(app, `SELECT COUNT(*) AS n FROM world_deltas WHERE status IN ${reviewStatuses}`);
}

/** Decide every open delta with one bulk decision (its preview first), then check nothing is left. */
async function decideEverything(app: Afterword): Promise<string> {
  const preview = (await app.moderation.bulk({ decision: 'approve', filter: {}, dryRun: true, actor: 'bench' })) as {
    matched: number;
  };
  const done = (await app.moderation.bulk({ decision: 'approve', filter: {}, actor: 'bench' })) as { decided: number };
  if ((await openDeltaCount(app)) === 0)
    return `one bulk decision (\`moderation.bulk\`, preview ${preview.matched}, decided ${done.decided})`;
  for (;;) {
    const rows = await app.store.driver.query<{ delta_id: string }>(
      `SELECT delta_id FROM world_deltas WHERE status IN ${reviewStatuses} AND applied_at IS NULL ORDER BY delta_id LIMIT 500`,
    );
    if (rows.length === 0) return 'one `decide` per delta (no bulk decision on this build)';
    for (const row of rows) await app.moderation.decide(String(row.delta_id), { decision: 'approve', actor: 'bench' });
  }
}

const t0 = performance.now();
const phase = (what: string) => process.stderr.write(`studio-scale: ${((performance.now() - t0) / 1000).toFixed(1)} s ${what}\n`);

async function measure(dialect: 'sqlite' | 'postgres', sessions: number, turns: number, url: string): Promise<StudioScaleRow> {
  return withTempDir(`studio-${dialect}`, async (dir) => {
    const schema = `bench_studio_${process.pid}`;
    if (dialect === 'postgres') {
      const admin = await PostgresDriver.connect({ url, schema: 'public', poolSize: 1 });
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
    const clock = new BenchClock();
    const config = loadConfig(
      {
        dataDir: dir,
        logLevel: 'silent',
        ...(dialect === 'postgres' ? { databaseUrl: url, pgSchema: schema } : {}),
        engine: { pollIntervalMs: 50, backoffBaseMs: 10, backoffMaxMs: 100 },
      },
      {},
    );
    const app = await createAfterword(config, { clock });
    try {
      const world = JSON.parse(readFileSync(worldPath, 'utf8')) as unknown;
      const began = performance.now();
      const demo = await runDemo(app, { sessions, turns, seed: 11, world, wait: true, concurrency: 4 });
      phase('drainMs');
      const drainMs = performance.now() - began;
      const orchestrator = await app.startWorkers(4);
      await orchestrator.untilIdle();

      const closuresCompleted = await scalar(app, "SELECT COUNT(*) AS n FROM jobs WHERE workflow = ? AND status = 'completed'", [
        closureWorkflowName,
      ]);
      const deltas = await scalar(app, 'SELECT COUNT(*) AS n FROM world_deltas');
      const reviewDeltas = await openDeltaCount(app);
      const counts = (await app.moderation.counts()) as { deltas: number; contested: number; items: number };
      const groupedItems = counts.items;
      const openAlertsBefore = (await app.alerts.counts()).open;
      const checkpointBytes = await scalar(
        app,
        dialect === 'sqlite'
          ? 'SELECT COALESCE(SUM(LENGTH(CAST(s.output AS BLOB))), 0) AS n FROM job_steps s JOIN jobs j ON j.id = s.job_id WHERE j.workflow = ?'
          : 'SELECT COALESCE(SUM(octet_length(s.output::text)), 0)::bigint AS n FROM job_steps s JOIN jobs j ON j.id = s.job_id WHERE j.workflow = ?',
        [closureWorkflowName],
      );

      const decideBegan = performance.now();
      const decidedBy = await decideEverything(app);
      phase('decideMs');
      const decideMs = performance.now() - decideBegan;

      // Past every batch's time and the next daily digest: the due-later jobs run.
      clock.offset += day + 3_600_000;
      await orchestrator.untilIdle();
      const batches = await scalar(app, 'SELECT COUNT(*) AS n FROM publishing_batches');
      phase('batchesPublished');
      const batchesPublished = await scalar(app, "SELECT COUNT(*) AS n FROM publishing_batches WHERE status = 'published'");
      const openAlertsAfter = (await app.alerts.counts()).open;

      // Workers stop here: compaction takes exclusive locks, and pruning is called directly.
      await orchestrator.stop();
      await compact(app, dialect);
      phase('storeBytesBefore');
      const storeBytesBefore = await storeBytes(app, dialect, schema);
      let pruned: Record<string, number> | null = null;
      // Past every retention window: what a store looks like once history has aged out.
      clock.offset += 60 * day;
      phase('prune starts');
      pruned = { ...(await app.prune()), before: undefined } as unknown as Record<string, number>;
      phase('prune done');
      await compact(app, dialect);
      phase('storeBytesAfter');
      const storeBytesAfter = await storeBytes(app, dialect, schema);
      return {
        store: dialect,
        sessions,
        closuresCompleted: demo.summary?.completed ?? closuresCompleted,
        drainMs,
        deltas,
        reviewDeltas,
        groupedItems,
        groupedBy: `\`moderation.counts()\`: each contested entity is one item (${counts.contested} contested entities)`,
        openAlertsBefore,
        openAlertsAfter,
        decideMs,
        decidedBy,
        batches,
        batchesPublished,
        checkpointBytesPerClosure: closuresCompleted ? checkpointBytes / closuresCompleted : 0,
        storeBytesBefore,
        storeBytesAfter,
        pruned,
      };
    } finally {
      await app.stop();
      if (dialect === 'postgres') {
        const admin = await PostgresDriver.connect({ url, schema: 'public', poolSize: 1 });
        await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.close();
      }
    }
  });
}

const mb = (bytes: number) => `${fmt(bytes / 1_048_576, 1)} MB`;

export async function runStudioScale(options: StudioScaleOptions = {}): Promise<{ markdown: string; rows: StudioScaleRow[] }> {
  const sessions = options.sessions ?? (options.quick ? 20 : 1_000);
  const turns = options.turns ?? 200;
  const url = options.url ?? process.env.AFTERWORD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const rows: StudioScaleRow[] = [];
  for (const store of options.stores ?? ['sqlite', 'postgres']) {
    process.stderr.write(`studio-scale: ${store}, ${sessions} sessions of ${turns} turns ...\n`);
    rows.push(await measure(store, sessions, turns, url));
  }
  const line = (label: string, cell: (r: StudioScaleRow) => string) => `| ${label} | ${rows.map(cell).join(' | ')} |`;
  const markdown = [
    `### Studio scale: ${fmt(sessions)} demo sessions of ${turns} turns`,
    '',
    `Command: \`npx tsc -p tsconfig.json && node build/bench/studio-scale.js --sessions ${sessions} --turns ${turns}\``,
    '',
    `| | ${rows.map((r) => r.store).join(' | ')} |`,
    `|---|${rows.map(() => '---:').join('|')}|`,
    line('closures completed', (r) => `${fmt(r.closuresCompleted)} / ${fmt(r.sessions)}`),
    line('closure drain (import, close, 4 workers)', (r) => `${fmt(r.drainMs / 1000, 1)} s`),
    line('deltas', (r) => fmt(r.deltas)),
    line('moderation items before grouping (open deltas)', (r) => fmt(r.reviewDeltas)),
    line('moderation items after grouping', (r) => fmt(r.groupedItems)),
    line('open alerts after processing', (r) => fmt(r.openAlertsBefore)),
    line('time to decide everything', (r) => `${fmt(r.decideMs / 1000, 1)} s`),
    line('batches published / planned', (r) => `${fmt(r.batchesPublished)} / ${fmt(r.batches)}`),
    line('open alerts after publishing', (r) => fmt(r.openAlertsAfter)),
    line('checkpoint bytes per closure', (r) => `${fmt(r.checkpointBytesPerClosure / 1024, 1)} KB`),
    line('store size before pruning', (r) => mb(r.storeBytesBefore)),
    line('store size after pruning', (r) => mb(r.storeBytesAfter)),
    '',
    `Grouping: ${rows[0]?.groupedBy ?? ''}. Decisions: ${rows[0]?.decidedBy ?? ''}.` +
      " Store size: SQLite live pages after `VACUUM`; PostgreSQL the live rows' bytes (`pg_column_size`, TOAST included; indexes not counted), before and after pruning" +
      ' with the clock moved past every retention window.',
    ...rows.filter((r) => r.pruned).map((r) => `Pruned on ${r.store}: ${JSON.stringify(r.pruned)}.`),
  ].join('\n');
  return { markdown, rows };
}

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

runAlone(import.meta.url, runStudioScale, (argv) => ({
  quick: argv.includes('--quick'),
  ...(flag(argv, '--sessions') ? { sessions: Number(flag(argv, '--sessions')) } : {}),
  ...(flag(argv, '--turns') ? { turns: Number(flag(argv, '--turns')) } : {}),
  ...(flag(argv, '--stores') ? { stores: flag(argv, '--stores')?.split(',') as Array<'sqlite' | 'postgres'> } : {}),
}));
