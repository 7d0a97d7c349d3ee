import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLexicon } from '../../src/domain/extraction/lexicon.js';
import { parseWorldFile } from '../../src/domain/world/parse-world-file.js';
import { generateLlmProseSession } from './llm-prose.js';
import { prepareInput, runStages } from './run-stages.js';

/**
 * Fixed work for instruction counting (load-independent): all stages N times on one llm-prose
 * transcript (seed 42, 10k turns). Run under callgrind with N=a and N=b; the difference / (b-a)
 * is the steady-state cost of one run. Also prints the median CPU ms of runs 4..N (process.cpuUsage):
 * on a loaded machine compare two builds alternately in the same session, as ratios.
 *   node build/bench/pipeline/instr-probe.js N [turns]
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const runs = Number(process.argv[2] ?? 1);
const turns = Number(process.argv[3] ?? 10_000);
const world = parseWorldFile(JSON.parse(readFileSync(resolve(ROOT, 'worlds/demo-world.json'), 'utf8')));
const lexicon = buildLexicon(world);
const session = generateLlmProseSession({ seed: 42, turns, sessionId: 'probe', world, startAt: 1_767_225_600_000 });
const input = prepareInput(session, 1_767_225_600_000 + turns * 1000);
let sig = 0;
const cpu: number[] = [];
for (let i = 0; i < runs; i++) {
  const c0 = process.cpuUsage();
  const r = runStages(input, world, lexicon, true);
  const c = process.cpuUsage(c0);
  if (i >= 3) cpu.push((c.user + c.system) / 1000); // the first runs pay for the JIT
  sig = r.extraction.mentions.length * 1000 + r.extraction.candidates.length + r.deltas.length;
}
cpu.sort((a, b) => a - b);
console.log(
  `runs=${runs} turns=${turns} sig=${sig} cpuMedianMs=${(cpu[cpu.length >> 1] ?? 0).toFixed(1)} cpuMinMs=${(cpu[0] ?? 0).toFixed(1)}`,
);
