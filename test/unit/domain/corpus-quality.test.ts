import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slugify } from '../../../src/domain/world/types.js';
import { changeKey, compare, loadCorpus, precision, proposedChanges, recall, accuracy, runDoc, score } from './corpus-runner.js';

/**
 * Precision / recall of each stage on the hand-labelled corpus (test/fixtures/corpus, the
 * c* and h* transcripts; the k* category files are scored in corpus-categories.test.ts).
 * Labels say what a careful human reader would extract, not what the code happens to do;
 * see test/fixtures/corpus/README.md for the labelling rules.
 */
const pct = (n: number) => n.toFixed(3);

export function runCorpus(only: (file: string) => boolean = () => true) {
  const docs = loadCorpus((f) => (f.startsWith('c') || f.startsWith('h')) && only(f));
  const mentions = score();
  const changes = score();
  const candidates = score();
  const deltas = score();
  for (const doc of docs) {
    const { ex, ds } = runDoc(doc);
    compare(mentions, doc.id, new Set(doc.expected.mentions ?? []), new Set(ex.mentions.map((m) => m.entityId)));
    compare(changes, doc.id, new Set(doc.expected.changes.map(changeKey)), proposedChanges(ex));
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
      new Set((doc.expected.deltas ?? []).map(deltaKey)),
      new Set(
        ds.map((d) =>
          deltaKey({ entityId: d.entityId, deltaType: d.deltaType, requiresModeration: d.safety.requiresModeration }),
        ),
      ),
    );
  }
  return { files: docs.length, mentions, changes, candidates, deltas };
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
  // A floor on the deltas (id, type and review flag), the figure since 2026-12-02: a change
  // wrongly read as reported sends an auto delta to review (2026-12-04: "claimed" as a verb of
  // taking counted as a reporting verb and took deltas to 0.911 unnoticed).
  assert.ok(precision(r.deltas) >= 0.95 && recall(r.deltas) >= 0.95, 'delta precision and recall >= 0.95');
});
