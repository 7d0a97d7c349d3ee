import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { determineDeltas } from '../../../src/domain/deltas/determine-deltas.js';
import { extractEntities } from '../../../src/domain/extraction/extract-entities.js';
import { normalizeTurns } from '../../../src/domain/transcript/normalize-turn-input.js';
import { sanitiseTranscript } from '../../../src/domain/transcript/sanitise-transcript.js';
import type { ChangeFeedEntry, SessionContext } from '../../../src/domain/types.js';
import { slugify } from '../../../src/domain/world/types.js';
import { demoLexicon, demoWorld, idSource, repoRoot } from './helpers.js';

/**
 * Precision / recall of each stage on the hand-labelled corpus (test/fixtures/corpus).
 * Labels say what a careful human reader would extract, not what the code happens to do;
 * see test/fixtures/corpus/README.md for the labelling rules.
 */
interface CorpusDoc {
  id: string;
  context: SessionContext;
  turns: unknown[];
  changeFeed: ChangeFeedEntry[];
  expected: {
    mentions: string[];
    changes: Array<{ entityId: string; field: string; to: string | null }>;
    candidates: string[];
    deltas: Array<{ entityId: string; deltaType: string; requiresModeration: boolean }>;
  };
}

interface Score {
  tp: number;
  fp: number;
  fn: number;
  misses: string[];
  extras: string[];
}
const score = (): Score => ({ tp: 0, fp: 0, fn: 0, misses: [], extras: [] });
function compare(s: Score, doc: string, expected: Set<string>, actual: Set<string>): void {
  for (const e of expected) {
    if (actual.has(e)) s.tp++;
    else {
      s.fn++;
      s.misses.push(`${doc}:${e}`);
    }
  }
  for (const a of actual) {
    if (!expected.has(a)) {
      s.fp++;
      s.extras.push(`${doc}:${a}`);
    }
  }
}
const precision = (s: Score) => (s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp));
const recall = (s: Score) => (s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn));
/** Accuracy over the union of expected and proposed changes: a wrong or missed change both count. */
const accuracy = (s: Score) => (s.tp + s.fp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fp + s.fn));
const pct = (n: number) => n.toFixed(3);

export function runCorpus(only: (file: string) => boolean = () => true) {
  const dir = resolve(repoRoot, 'test/fixtures/corpus');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && only(f))
    .sort();
  const mentions = score();
  const changes = score();
  const candidates = score();
  const deltas = score();
  for (const f of files) {
    const doc = JSON.parse(readFileSync(resolve(dir, f), 'utf8')) as CorpusDoc;
    const { turns, issues } = normalizeTurns(doc.turns, 1_700_000_000_000);
    assert.deepEqual(issues, [], `${doc.id} has invalid turns`);
    const session = {
      sessionId: doc.id,
      context: doc.context,
      closedAt: 1_700_000_000_000,
      closedBy: 'corpus',
      closureReason: null,
      auditRef: null,
    };
    const sanitised = sanitiseTranscript({ session, turns, changeFeed: doc.changeFeed });
    const ex = extractEntities({ sanitised, lexicon: demoLexicon(), sessionId: doc.id, newId: idSource('m') });
    const ds = determineDeltas({
      sessionId: doc.id,
      mentions: ex.mentions,
      candidates: ex.candidates,
      canon: demoWorld().entities,
      capabilities: demoWorld().capabilities,
      pendingDeltas: [],
      now: 0,
      newId: idSource('d'),
    });
    compare(mentions, doc.id, new Set(doc.expected.mentions), new Set(ex.mentions.map((m) => m.entityId)));
    const changeKey = (c: { entityId: string; field: string; to: string | null }) => `${c.entityId}.${c.field}=${c.to}`;
    compare(
      changes,
      doc.id,
      new Set(doc.expected.changes.map(changeKey)),
      new Set(
        ex.mentions.flatMap((m) => m.proposedChanges.map((c) => changeKey({ entityId: m.entityId, field: c.field, to: c.to }))),
      ),
    );
    compare(
      candidates,
      doc.id,
      new Set(doc.expected.candidates.map(slugify)),
      new Set(ex.candidates.map((c) => slugify(c.name))),
    );
    const deltaKey = (d: { entityId: string; deltaType: string; requiresModeration: boolean }) =>
      `${d.entityId}/${d.deltaType}/${d.requiresModeration ? 'review' : 'auto'}`;
    compare(
      deltas,
      doc.id,
      new Set(doc.expected.deltas.map(deltaKey)),
      new Set(
        ds.map((d) =>
          deltaKey({ entityId: d.entityId, deltaType: d.deltaType, requiresModeration: d.safety.requiresModeration }),
        ),
      ),
    );
  }
  return { files: files.length, mentions, changes, candidates, deltas };
}

test('corpus quality meets the targets (printed per stage)', () => {
  const r = runCorpus();
  const rows = [
    ['entity mentions', r.mentions],
    ['control/status changes', r.changes],
    ['new-entity candidates', r.candidates],
    ['world deltas (id, type, review)', r.deltas],
  ] as const;
  const lines = [
    `corpus: ${r.files} transcripts`,
    '| stage | tp | fp | fn | precision | recall | accuracy |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [name, s] of rows)
    lines.push(`| ${name} | ${s.tp} | ${s.fp} | ${s.fn} | ${pct(precision(s))} | ${pct(recall(s))} | ${pct(accuracy(s))} |`);
  for (const [name, s] of rows)
    if (s.misses.length + s.extras.length > 0)
      lines.push(`${name}: missed ${JSON.stringify(s.misses)} extra ${JSON.stringify(s.extras)}`);
  console.log(lines.join('\n'));
  // The h* files were written after the heuristics were frozen; report them on their own.
  const held = runCorpus((f) => f.startsWith('h'));
  const hl = [`held-out subset: ${held.files} transcripts`];
  for (const [name, s] of [
    ['mentions', held.mentions],
    ['changes', held.changes],
    ['candidates', held.candidates],
    ['deltas', held.deltas],
  ] as const) {
    hl.push(`  ${name}: precision ${pct(precision(s))} recall ${pct(recall(s))} accuracy ${pct(accuracy(s))}`);
  }
  console.log(hl.join('\n'));
  assert.ok(r.files >= 30);
  assert.ok(precision(r.mentions) >= 0.95, 'mention precision');
  assert.ok(recall(r.mentions) >= 0.9, 'mention recall');
  assert.ok(accuracy(r.changes) >= 0.9, 'change accuracy');
  assert.ok(recall(r.candidates) >= 0.8, 'candidate recall');
  assert.ok(precision(r.candidates) >= 0.7, 'candidate precision');
});
