/**
 * `npm run bench` (= `tsc && node build/bench/run-all.js [--quick]`): runs every benchmark module
 * present in this folder and writes docs/benchmarks.md with the date, the machine and each
 * section's figures. Modules that are missing, or that need an unreachable PostgreSQL, are
 * skipped with a note instead of failing the whole run.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { describeMachine } from './lib/machine.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const quick = process.argv.includes('--quick');
const out = process.argv.find((a) => a.startsWith('--out='))?.slice('--out='.length) ?? join(repoRoot, 'docs', 'benchmarks.md');

type Runner = (opts: { quick?: boolean }) => Promise<{ markdown: string }>;

interface BenchModule {
  /** Compiled file name in build/bench. */
  file: string;
  exportName: string;
  title: string;
  needsPostgres?: boolean;
}

const pgFiles = existsSync(here)
  ? readdirSync(here)
      .filter((f) => /^pg-.*\.js$/.test(f))
      .sort()
  : [];
const modules: BenchModule[] = [
  { file: 'sqlite-engine.js', exportName: 'runSqliteBench', title: 'SQLite engine' },
  { file: 'pipeline-stages.js', exportName: 'runPipelineBench', title: 'Pipeline stages' },
  ...pgFiles.map((file) => ({
    file,
    exportName: 'runPgBench',
    title: `PostgreSQL (${file.replace(/\.js$/, '.ts')})`,
    needsPostgres: true,
  })),
  { file: 'http-closures.js', exportName: 'runHttpBench', title: 'HTTP closures' },
  { file: 'webhook-delivery.js', exportName: 'runWebhookBench', title: 'Webhook delivery' },
];

/**
 * The studio-scale benchmark (bench/studio-scale.ts) takes many minutes at 1,000 sessions: it runs
 * with `--sessions N` (`npm run bench -- --sessions 1000`); otherwise its last section is kept.
 */
const sessionsArg = process.argv.find((a, i, all) => all[i - 1] === '--sessions' || a.startsWith('--sessions='));
const studioSessions = sessionsArg ? Number(sessionsArg.replace('--sessions=', '')) : null;

function previousStudioSection(): string | null {
  if (!existsSync(out)) return null;
  const text = readFileSync(out, 'utf8');
  const start = text.indexOf('### Studio scale');
  if (start < 0) return null;
  const rest = text.slice(start + 1);
  const next = rest.search(/\n#{2,3} /);
  return (next < 0 ? text.slice(start) : text.slice(start, start + 1 + next)).trim();
}

/** A module that hangs (a stuck peer, a database someone else is using) must not hang the whole run. */
const moduleTimeoutMs = Number(process.env.AFTERWORD_BENCH_MODULE_TIMEOUT_MS ?? (quick ? 180_000 : 900_000));

const pgUrl = process.env.AFTERWORD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined); // a lost connection surfaces as a failed query
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const sections: string[] = [];
  const notes: string[] = [];
  let pgProblem: string | null | undefined;
  for (const mod of modules) {
    const path = join(here, mod.file);
    if (!existsSync(path)) {
      notes.push(`- ${mod.title}: skipped, \`bench/${mod.file.replace(/\.js$/, '.ts')}\` is not in this checkout.`);
      continue;
    }
    if (mod.needsPostgres) {
      if (pgProblem === undefined) pgProblem = await postgresReachable();
      if (pgProblem !== null) {
        notes.push(`- ${mod.title}: skipped, PostgreSQL at ${redact(pgUrl)} is unreachable (${pgProblem}).`);
        continue;
      }
    }
    process.stderr.write(`bench: ${mod.title} ...\n`);
    const began = performance.now();
    try {
      const loaded = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
      const run = loaded[mod.exportName] as Runner | undefined;
      if (typeof run !== 'function') {
        notes.push(`- ${mod.title}: skipped, \`${mod.file}\` does not export \`${mod.exportName}\`.`);
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${moduleTimeoutMs / 1000} s`)), moduleTimeoutMs);
      });
      const { markdown } = await Promise.race([run({ quick }), timeout]).finally(() => clearTimeout(timer));
      sections.push(markdown.trim());
      process.stderr.write(`bench: ${mod.title} done in ${((performance.now() - began) / 1000).toFixed(1)} s\n`);
    } catch (error) {
      const message = (error as Error).stack ?? String(error);
      process.stderr.write(`bench: ${mod.title} FAILED: ${message}\n`);
      notes.push(`- ${mod.title}: **failed** in this run: ${(error as Error).message ?? String(error)}`);
    }
  }
  if (studioSessions !== null && Number.isInteger(studioSessions) && studioSessions > 0) {
    process.stderr.write(`bench: Studio scale (${studioSessions} sessions) ...\n`);
    const { runStudioScale } = (await import(pathToFileURL(join(here, 'studio-scale.js')).href)) as {
      runStudioScale(o: { sessions: number }): Promise<{ markdown: string }>;
    };
    sections.push((await runStudioScale({ sessions: studioSessions })).markdown.trim());
  } else {
    const kept = previousStudioSection();
    if (kept) sections.push(kept);
  }
  const doc = [
    '# Benchmarks',
    '',
    `Measured ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC${quick ? ' (**quick mode**: small samples, single runs; not for comparison)' : ''}.`,
    '',
    `- Machine: ${describeMachine()}`,
    `- Command: \`npm run bench${quick ? ' -- --quick' : ''}\` (= \`tsc -p tsconfig.json && node build/bench/run-all.js\`); each module also runs alone, see its section.`,
    '- Figures are medians over runs unless a row says otherwise; ratios are computed within the same run so machine drift affects both sides alike.',
    '',
    ...(notes.length ? ['Skipped or failed in this run:', '', ...notes, ''] : []),
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, doc);
  process.stderr.write(`bench: wrote ${out}\n`);
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
