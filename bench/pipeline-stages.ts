import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateSyntheticSession } from '../src/demo/generate-synthetic-session.js';
import { buildLexicon } from '../src/domain/extraction/lexicon.js';
import { winkPosTagger } from '../src/domain/extraction/pos-tagger.js';
import { parseWorldFile } from '../src/domain/world/parse-world-file.js';
import { slugify } from '../src/domain/world/types.js';
import { generateLlmProseSession, type LlmProseStats } from './pipeline/llm-prose.js';
import { prepareInput, runStages } from './pipeline/run-stages.js';
import { logLogChart } from './pipeline/svg-chart.js';

/**
 * CPU cost of the pure closure stages (sanitise, consolidate, extract incl. wink-nlp NER,
 * deltas, publishing prep) against transcript size, with a no-NER baseline measured in the
 * same run. Each sample repeats the pipeline until ~25 ms have passed and divides, so small
 * sizes are not lost in timer noise; the reported figure is the median of the samples.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SIZES = [20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];
const QUICK_SIZES = [20, 200, 2000, 10_000];
const TARGETS = { ms200: 2, ms10k: 100, memMb: 100 };
const WARM_UP_MS = 1500;
/** `demo`: the repo's template generator; `llm-prose`: invented names, dialogue, several sentences per turn. */
type Generator = 'demo' | 'llm-prose';
const GENERATORS: Generator[] = ['demo', 'llm-prose'];

interface SizeResult {
  generator: Generator;
  turns: number;
  prose: LlmProseStats | null;
  nerMs: number;
  nerBestMs: number;
  noNerBestMs: number;
  nerCpuMs: number;
  noNerMs: number;
  noNerCpuMs: number;
  nerUsPerTurn: number;
  ratio: number;
  mentions: number;
  candidates: number;
  deltas: number;
  /** llm-prose only: new-name recall / precision against the invented names, this path and the POS path. */
  names: {
    recall: number;
    precision: number;
    posRecall: number | null;
    posPrecision: number | null;
    posMs: number | null;
  } | null;
}

const slug = (n: string) => slugify(n.replace(/^the /i, ''));
/** Recall over the invented names written in full; precision over all candidates (a first name alone counts). */
function nameScores(invented: string[], candidates: Array<{ name: string }>) {
  const want = new Set(invented.map(slug));
  const got = new Set(candidates.map((c) => slug(c.name)));
  let hit = 0;
  for (const w of want) if (got.has(w)) hit++;
  let right = 0;
  for (const g of got) if (want.has(g) || [...want].some((w) => w.startsWith(`${g}-`))) right++;
  return { recall: want.size === 0 ? 1 : hit / want.size, precision: got.size === 0 ? 1 : right / got.size };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

function measure(fn: () => unknown, samples: number): { wall: number; cpu: number; best: number } {
  // Warm-up until the JIT has settled (>= 20 runs and >= 1.5 s): the steady state of a
  // long-running worker is what the targets are about. Measured on llm-prose at 200 turns
  // (100 ms blocks, 2026-12-03): ~36 ms per run in the first block, ~11 ms until ~450 ms,
  // settled at ~3.9 ms only after ~600 ms; the earlier 200 ms warm-up measured the middle of
  // that curve (5.8 ms), and which configuration came first decided how much JIT it paid for.
  const w0 = performance.now();
  for (let i = 0; i < 20 || performance.now() - w0 < WARM_UP_MS; i++) fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let s = 0; s < samples; s++) {
    let n = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    do {
      fn();
      n++;
    } while (performance.now() - t0 < 25);
    const wall = (performance.now() - t0) / n;
    const c = process.cpuUsage(c0);
    walls.push(wall);
    cpus.push((c.user + c.system) / 1000 / n);
  }
  return { wall: median(walls), cpu: median(cpus), best: Math.min(...walls) };
}

export async function runPipelineBench(
  opts: { quick?: boolean } = {},
): Promise<{ markdown: string; results: unknown; svg: string }> {
  const world = parseWorldFile(JSON.parse(readFileSync(resolve(ROOT, 'worlds/demo-world.json'), 'utf8')));
  const t0 = performance.now();
  const lexicon = buildLexicon(world);
  const lexiconMs = performance.now() - t0;
  const t1 = performance.now();
  winkPosTagger().tag('Warm the model.');
  const modelLoadMs = performance.now() - t1;
  const samples = opts.quick ? 3 : 7;
  const sizes: SizeResult[] = [];
  for (const generator of GENERATORS)
    for (const turns of opts.quick ? QUICK_SIZES : SIZES) {
      const opt = { seed: 42, turns, sessionId: `bench-${generator}-${turns}`, world, startAt: 1_767_225_600_000 };
      const session = generator === 'demo' ? generateSyntheticSession(opt) : generateLlmProseSession(opt);
      const input = prepareInput(session, 1_767_225_600_000 + turns * 45_000);
      const probe = runStages(input, world, lexicon, true);
      const ner = measure(() => runStages(input, world, lexicon, true), samples);
      const noNer = measure(() => runStages(input, world, lexicon, false), samples);
      let names: SizeResult['names'] = null;
      if ('stats' in session) {
        const invented = (session.stats as LlmProseStats).inventedNames;
        const mine = nameScores(invented, probe.extraction.candidates);
        // The POS path is slow; time it at the two sizes the targets name.
        const timed = turns === 200 || turns === 10_000;
        const pos = timed ? nameScores(invented, runStages(input, world, lexicon, 'pos').extraction.candidates) : null;
        names = {
          ...mine,
          posRecall: pos?.recall ?? null,
          posPrecision: pos?.precision ?? null,
          posMs: timed ? measure(() => runStages(input, world, lexicon, 'pos'), samples).wall : null,
        };
      }
      sizes.push({
        names,
        generator,
        turns,
        prose: 'stats' in session ? (session.stats as LlmProseStats) : null,
        nerMs: ner.wall,
        nerBestMs: ner.best,
        noNerBestMs: noNer.best,
        nerCpuMs: ner.cpu,
        noNerMs: noNer.wall,
        noNerCpuMs: noNer.cpu,
        nerUsPerTurn: (ner.wall * 1000) / turns,
        ratio: ner.wall / noNer.wall,
        mentions: probe.extraction.mentions.length,
        candidates: probe.extraction.candidates.length,
        deltas: probe.deltas.length,
      });
    }
  const memory = measureMemory(world, lexicon);
  const at = (n: number, g: Generator = 'llm-prose') => sizes.find((s) => s.turns === n && s.generator === g);
  const demoAt = (n: number) => at(n, 'demo');
  const targets = {
    ms200: {
      target: TARGETS.ms200,
      actual: at(200)?.nerMs ?? null,
      met: (at(200)?.nerMs ?? Number.POSITIVE_INFINITY) < TARGETS.ms200,
    },
    ms10k: {
      target: TARGETS.ms10k,
      actual: at(10_000)?.nerMs ?? null,
      met: (at(10_000)?.nerMs ?? Number.POSITIVE_INFINITY) < TARGETS.ms10k,
    },
    memMb: { target: TARGETS.memMb, actual: memory.heapGrowthMb, met: memory.heapGrowthMb < TARGETS.memMb },
  };
  const f = (n: number, d = 2) => n.toFixed(d);
  const md = [
    `## Pipeline stages benchmark (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${opts.quick ? 'quick' : 'full'})`,
    '',
    `One-off costs: lexicon build ${f(lexiconMs)} ms; wink-nlp model load ${f(modelLoadMs)} ms (lazy, once per process).`,
    '',
    '| generator | turns | all stages: median ms | best ms | process CPU ms | µs/turn (median) | without NER: median ms | best ms | NER / no-NER (median) | mentions | candidates | deltas |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...sizes.map(
      (s) =>
        `| ${s.generator} | ${s.turns} | ${f(s.nerMs)} | ${f(s.nerBestMs)} | ${f(s.nerCpuMs)} | ${f(s.nerUsPerTurn, 1)} | ${f(s.noNerMs)} | ${f(s.noNerBestMs)} | ${f(s.ratio)}× | ${s.mentions} | ${s.candidates} | ${s.deltas} |`,
    ),
    '',
    '| turns | demo: all stages ms | llm-prose: all stages ms | llm-prose / demo | llm-prose sentences | distinct | with an unlisted name |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...sizes
      .filter((s) => s.generator === 'llm-prose')
      .map((s) => {
        const d = demoAt(s.turns);
        const p = s.prose;
        return `| ${s.turns} | ${f(d?.nerMs ?? Number.NaN)} | ${f(s.nerMs)} | ${f(s.nerMs / (d?.nerMs ?? Number.NaN))}× | ${p?.sentences ?? ''} | ${p ? `${((100 * p.distinctSentences) / p.sentences).toFixed(0)}%` : ''} | ${p ? `${(100 * p.unlistedShare).toFixed(0)}%` : ''} |`;
      }),
    '',
    'New-name detection on llm-prose, this path (capitalisation spans, word lists, transcript casing; no tagger) against the previous one (wink-nlp POS tags on every sentence with an unlisted capital), same sessions:',
    '',
    '| turns | recall | precision | POS path: recall | precision | POS path: all stages ms |',
    '| --- | --- | --- | --- | --- | --- |',
    ...sizes
      .filter((s) => s.names)
      .map((s) => {
        const n = s.names as NonNullable<SizeResult['names']>;
        const o = (x: number | null) => (x === null ? '' : f(x, 3));
        return `| ${s.turns} | ${f(n.recall, 3)} | ${f(n.precision, 3)} | ${o(n.posRecall)} | ${o(n.posPrecision)} | ${n.posMs === null ? '' : f(n.posMs)} |`;
      }),
    '',
    `Median and best are over ${samples} samples of >= 25 ms each; process CPU includes GC helper threads, so it can exceed wall time. Load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${cpus().length} CPUs (a busy machine inflates medians; best is closer to the uncontended cost).`,
    '',
    `Memory for 10,000 turns: heap growth ${f(memory.heapGrowthMb, 1)} MB while holding all stage outputs (gc exposed: ${memory.gcExposed}).`,
    '',
    `Targets (llm-prose, all stages with new-name detection): 200 turns < ${TARGETS.ms200} ms: ${targets.ms200.met ? 'met' : 'NOT met'} (${f(targets.ms200.actual ?? Number.NaN)} ms); ` +
      `10,000 turns < ${TARGETS.ms10k} ms: ${targets.ms10k.met ? 'met' : 'NOT met'} (${f(targets.ms10k.actual ?? Number.NaN)} ms); ` +
      `memory < ${TARGETS.memMb} MB: ${targets.memMb.met ? 'met' : 'NOT met'}.`,
  ].join('\n');
  const svg = logLogChart('Afterword pure pipeline stages: time vs transcript size', 'turns (log)', 'median ms per run (log)', [
    ...GENERATORS.flatMap((g, i) => {
      const rows = sizes.filter((s) => s.generator === g);
      return [
        {
          label: `${g}: all stages (with NER)`,
          color: ['#c0392b', '#8e44ad'][i] as string,
          points: rows.map((s) => ({ x: s.turns, y: s.nerMs })),
        },
        {
          label: `${g}: without NER`,
          color: ['#2471a3', '#16a085'][i] as string,
          points: rows.map((s) => ({ x: s.turns, y: s.noNerMs })),
        },
      ];
    }),
    { label: 'linear, 10 µs/turn (target)', color: '#7f8c8d', points: sizes.map((s) => ({ x: s.turns, y: s.turns * 0.01 })) },
  ]);
  return { markdown: md, results: { lexiconMs, modelLoadMs, sizes, memory, targets }, svg };
}

function measureMemory(world: ReturnType<typeof parseWorldFile>, lexicon: ReturnType<typeof buildLexicon>) {
  const gc = (globalThis as { gc?: () => void }).gc;
  const session = generateLlmProseSession({ seed: 7, turns: 10_000, sessionId: 'bench-mem', world, startAt: 1_767_225_600_000 });
  const input = prepareInput(session, 1_767_225_600_000 + 10_000 * 45_000);
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const kept = runStages(input, world, lexicon, true); // hold the outputs: their size is the point
  gc?.();
  const after = process.memoryUsage().heapUsed;
  return { heapGrowthMb: (after - before) / 1_048_576, gcExposed: typeof gc === 'function', deltas: kept.deltas.length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const r = await runPipelineBench({ quick });
  console.log(r.markdown);
  if (!process.argv.includes('--no-svg')) {
    writeFileSync(resolve(ROOT, 'docs/pipeline-scaling.svg'), r.svg);
    console.log('\nwrote docs/pipeline-scaling.svg');
  }
}
