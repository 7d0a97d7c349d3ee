import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateSyntheticSession } from '../../src/demo/generate-synthetic-session.js';
import { buildLexicon } from '../../src/domain/extraction/lexicon.js';
import { parseWorldFile } from '../../src/domain/world/parse-world-file.js';
import { generateLlmProseSession } from './llm-prose.js';
import { prepareInput, runStages } from './run-stages.js';

/**
 * Output fingerprint of every pure stage (NER included) on synthetic sessions of several
 * seeds and sizes, from the demo generator and from llm-prose (the speed target's prose,
 * whose unlisted names exercise new-name detection far more). Run it before and after a performance change: the digests must match,
 * which is how we show an optimisation did not change behaviour.
 * `node build/bench/pipeline/equivalence.js [--dump file]`
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CASES: Array<[number, number]> = [
  [42, 200],
  [7, 1000],
  [1, 3000],
  [123, 10_000],
];

export function stageDigests(): Array<{ generator: string; seed: number; turns: number; sha256: string }> {
  const world = parseWorldFile(JSON.parse(readFileSync(resolve(ROOT, 'worlds/demo-world.json'), 'utf8')));
  const lexicon = buildLexicon(world);
  const generators = [
    ['demo', generateSyntheticSession],
    ['llm-prose', generateLlmProseSession],
  ] as const;
  return generators.flatMap(([generator, generate]) =>
    CASES.map(([seed, turns]) => {
      const session = generate({
        seed,
        turns,
        sessionId: `eq-${seed}-${turns}`,
        world,
        startAt: 1_767_225_600_000,
      });
      const input = prepareInput(session, 1_767_225_600_000 + turns * 45_000);
      const out = runStages(input, world, lexicon, true);
      return { generator, seed, turns, sha256: createHash('sha256').update(JSON.stringify(out)).digest('hex') };
    }),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const d of stageDigests()) console.log(`${d.generator} seed ${d.seed} turns ${d.turns} ${d.sha256}`);
}
