import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slugify } from '../../../src/domain/world/types.js';
import {
  type CorpusDoc,
  changeKey,
  compare,
  isHeldOut,
  loadCorpus,
  precision,
  proposedChanges,
  recall,
  runDoc,
  type Score,
  score,
} from './corpus-runner.js';

/**
 * The sentence kinds of issue 14 (test/fixtures/corpus/k*.json, one category and one
 * difficulty per file), scored per category and per difficulty. A fixed-seed hash puts ~30%
 * of the files in a held-out split: thresholds are asserted on the tuning split, whose misses
 * are printed; the held-out split only prints its figures and fails when they drop below
 * the floors recorded here (never tuned against: its misses are not printed).
 */
interface Tally {
  changes: Score;
  candidates: Score;
  /** Hedged or reported claims labelled whose change the canon does not already hold. */
  hedged: number;
  /** ...proposed as a delta that needs moderation for the reason `hedged`: the wanted outcome. */
  hedgedModerated: number;
  /** ...proposed as a delta a moderator would not see: the unsafe outcome. */
  hedgedUnmoderated: number;
  /** ...proposed by extraction where the canon already holds it: no delta, nothing to moderate. */
  hedgedCanon: number;
  files: number;
}
const tally = (): Tally => ({
  changes: score(),
  candidates: score(),
  hedged: 0,
  hedgedModerated: 0,
  hedgedUnmoderated: 0,
  hedgedCanon: 0,
  files: 0,
});

function scoreDocs(docs: CorpusDoc[]): { all: Tally; byCategory: Map<string, Tally>; byDifficulty: Map<string, Tally> } {
  const all = tally();
  const byCategory = new Map<string, Tally>();
  const byDifficulty = new Map<string, Tally>();
  for (const doc of docs) {
    const { ex, ds } = runDoc(doc);
    const targets = [all, byCategory.get(doc.category ?? '?'), byDifficulty.get(doc.difficulty ?? '?')];
    if (!targets[1]) byCategory.set(doc.category ?? '?', (targets[1] = tally()));
    if (!targets[2]) byDifficulty.set(doc.difficulty ?? '?', (targets[2] = tally()));
    for (const t of targets as Tally[]) {
      t.files++;
      compare(t.changes, doc.id, new Set(doc.expected.changes.map(changeKey)), proposedChanges(ex));
      compare(
        t.candidates,
        doc.id,
        new Set(doc.expected.candidates.map(slugify)),
        new Set(ex.candidates.map((c) => slugify(c.name))),
      );
      // Every hedged or reported claim needs a moderator: it must be proposed, and its delta must
      // require moderation for the reason `hedged`, whatever its confidence. A claim that is not
      // proposed at all is a miss, not a success (it also shows as a change-recall miss); one
      // proposed without moderation is the unsafe case, counted apart; one the canon already
      // holds makes no delta and needs no moderator (left out of the count).
      const proposed = proposedChanges(ex);
      for (const id of doc.expected.hedged ?? []) {
        const d = ds.find((x) => x.entityId === id);
        if (!d && [...proposed].some((k) => k.startsWith(`${id}.`))) {
          t.hedgedCanon++;
          continue;
        }
        t.hedged++;
        if (!d) continue;
        if (d.safety.requiresModeration && d.safety.reasons.includes('hedged')) t.hedgedModerated++;
        else t.hedgedUnmoderated++;
      }
    }
  }
  return { all, byCategory, byDifficulty };
}

const f = (n: number) => n.toFixed(2);
function table(title: string, rows: Map<string, Tally> | Array<[string, Tally]>): string[] {
  const out = [
    title,
    '| category | files | change P | change R | new-entity P | new-entity R | hedged → moderation | hedged, unmoderated |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [name, t] of rows)
    out.push(
      `| ${name} | ${t.files} | ${f(precision(t.changes))} | ${f(recall(t.changes))} | ${f(precision(t.candidates))} | ${f(recall(t.candidates))} | ${t.hedged === 0 ? '—' : `${t.hedgedModerated} of ${t.hedged}`} | ${t.hedged === 0 ? '—' : t.hedgedUnmoderated} |`,
    );
  return out;
}

/**
 * Held-out floors: the figures measured when the split was first scored, raised when a target
 * was met (new-entity precision 1.00 on 2026-12-02, after k81-k100: floor 0.95); a drop fails.
 * Change precision 0.96 since k1090-k1129 (2026-12-04), whose held-out share holds two false
 * changes told across sentences ("it" for a bridge named before, a rumour the next sentence
 * disproves): new, harder material, not a regression (every older held-out case still scores 1.00).
 * Change recall 0.95 since the sentence forms of k1040-k1089 (2026-12-04: held-out recall 0.97
 * with get-passives, adverbs and parentheticals inside verb phrases, 'since <moment>').
 */
const HELD_OUT_FLOORS = { changeP: 0.96, changeR: 0.95, candidateP: 0.95, candidateR: 1 };

test('sentence categories: per-category scores, thresholds on the tuning split, floors on the held-out split', () => {
  const docs = loadCorpus((file) => file.startsWith('k'));
  assert.ok(docs.length >= 60, `at least 60 category files (${docs.length})`);
  const tuning = scoreDocs(docs.filter((d) => !isHeldOut(d.id)));
  const held = scoreDocs(docs.filter((d) => isHeldOut(d.id)));
  const every = scoreDocs(docs);
  const lines = [
    `category corpus: ${docs.length} files (${docs.length - held.all.files} tuning, ${held.all.files} held out)`,
    ...table('all files, per category:', [...every.byCategory].sort()),
    ...table('per difficulty (tuning | held out):', [
      ...[...tuning.byDifficulty].sort().map(([k, v]): [string, Tally] => [`${k} (tuning)`, v]),
      ...[...held.byDifficulty].sort().map(([k, v]): [string, Tally] => [`${k} (held out)`, v]),
      ['all (tuning)', tuning.all],
      ['all (held out)', held.all],
    ]),
    `tuning misses: changes ${JSON.stringify(tuning.all.changes.misses)} extra ${JSON.stringify(tuning.all.changes.extras)}`,
    `tuning misses: candidates ${JSON.stringify(tuning.all.candidates.misses)} extra ${JSON.stringify(tuning.all.candidates.extras)}`,
  ];
  console.log(lines.join('\n'));
  const easier = tuning.byDifficulty.get('easier') ?? tally();
  const harder = tuning.byDifficulty.get('harder') ?? tally();
  const failures: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
  };
  need(precision(easier.changes) >= 0.95 && recall(easier.changes) >= 0.95, 'easier: change P/R >= 0.95');
  need(precision(harder.changes) >= 0.9 && recall(harder.changes) >= 0.9, 'harder: change P/R >= 0.90');
  need(precision(tuning.all.candidates) >= 0.85 && recall(tuning.all.candidates) >= 0.85, 'new entities P/R >= 0.85');
  need(tuning.all.hedgedModerated === tuning.all.hedged, 'tuning: every hedged or reported claim sent to moderation');
  need(every.all.hedgedUnmoderated === 0, 'no hedged or reported claim proposed without moderation (all files)');
  need(precision(held.all.changes) >= HELD_OUT_FLOORS.changeP, 'held-out change precision dropped');
  need(recall(held.all.changes) >= HELD_OUT_FLOORS.changeR, 'held-out change recall dropped');
  need(precision(held.all.candidates) >= HELD_OUT_FLOORS.candidateP, 'held-out new-entity precision dropped');
  need(recall(held.all.candidates) >= HELD_OUT_FLOORS.candidateR, 'held-out new-entity recall dropped');
  assert.deepEqual(failures, []);
});

const CATEGORIES = new Set([
  'pronoun',
  'passive',
  'relative',
  'list',
  'negation',
  'reported',
  'player-claim',
  'casing',
  'of-names',
  'common-alias',
  'non-change',
]);

/** Floors of an outside-written tuning set, measured when it became tuning material and raised as it improves. */
interface Floors {
  changeP: number;
  changeR: number;
  candidateP: number;
  candidateR: number;
  hedgedModerated: number;
}

/** What dropped below a set's floors, and any hedged claim proposed without moderation (never allowed). */
function floorFailures(label: string, a: Tally, floors: Floors): string[] {
  const failures: string[] = [];
  if (precision(a.changes) < floors.changeP) failures.push(`${label}: change precision dropped`);
  if (recall(a.changes) < floors.changeR) failures.push(`${label}: change recall dropped`);
  if (precision(a.candidates) < floors.candidateP) failures.push(`${label}: new-entity precision dropped`);
  if (recall(a.candidates) < floors.candidateR) failures.push(`${label}: new-entity recall dropped`);
  if (a.hedgedModerated < floors.hedgedModerated) failures.push(`${label}: fewer hedged claims sent to moderation`);
  if (a.hedgedUnmoderated !== 0) failures.push(`${label}: a hedged claim proposed without moderation`);
  return failures;
}

/**
 * The outside-written set (o*.json): written from issue 14's categories by someone who read
 * neither the extraction code nor the other cases, committed before it was ever run, and scored
 * blind (aggregates only) on 2026-12-02 as the first blind set (then b*.json). On 2026-12-03,
 * with a second blind set written the same way (v*.json), it became tuning material: prose the
 * rules were not fitted to, so its misses show what the rules miss on outside phrasing. Its
 * misses are printed; floors (just under the figures measured when it was promoted: 0.92, 0.86,
 * 0.81, 0.88, 7 of 8; raised as it improves: change 0.93/0.88 after the adverbial-skipping passive
 * and do-support, k700-k711; P 0.94 after unnamed losses are superseded by the scene's later gain, k712-k716;
 * 0.97/0.89 after dash asides and counted objects, k717-k723; new entities 0.98/0.98 after the name
 * grammar for "and", "of the" epithets and possessives inside names, k650-k665; change 0.97/0.91 and
 * 8 of 8 hedged after agents past another "by", fronted participles and "burned X to the ground", k724-k731; R 0.92 after a longer
 * world name refused by its casing gives way to a shorter one, k666-k668; 0.99/0.93 after more verbs of taking,
 * driving out, handing over and destroying, each read by every construction, k732-k741; 1.00/0.95 with both;
 * 1.00/0.97 after a group noun subject of coordinated verbs and "drove X off <place>", k748-k752;
 * 1.00/0.99 after present-tense forms of the new verbs, k771-k774)
 * fail the test when it drops.
 */
const OUTSIDE_FLOORS = { changeP: 0.99, changeR: 0.98, candidateP: 0.98, candidateR: 0.98, hedgedModerated: 8 };

test('outside-written set: per-category scores and misses, floors on the aggregate', () => {
  const docs = loadCorpus((file) => file.startsWith('o'));
  assert.ok(docs.length >= 80, `at least 80 outside-written files (${docs.length})`);
  for (const d of docs) {
    assert.ok(CATEGORIES.has(d.category ?? ''), `${d.id}: category ${d.category}`);
    assert.ok(d.difficulty === 'easier' || d.difficulty === 'harder', `${d.id}: difficulty ${d.difficulty}`);
  }
  const outside = scoreDocs(docs);
  console.log(
    [
      `outside-written set: ${docs.length} files (the first blind set, tuning material since 2026-12-03)`,
      ...table('outside-written set, per difficulty and all:', [
        ...[...outside.byDifficulty].sort().map(([k, v]): [string, Tally] => [`${k} (outside)`, v]),
        ['all (outside)', outside.all],
      ]),
      ...table('outside-written set, per category:', [...outside.byCategory].sort()),
      `outside misses: changes ${JSON.stringify(outside.all.changes.misses)} extra ${JSON.stringify(outside.all.changes.extras)}`,
      `outside misses: candidates ${JSON.stringify(outside.all.candidates.misses)} extra ${JSON.stringify(outside.all.candidates.extras)}`,
    ].join('\n'),
  );
  assert.deepEqual(floorFailures('outside', outside.all, OUTSIDE_FLOORS), []);
});

/** w*.json (2026-12-04) is split by number: odd files are tuning material, even files stay blind. */
const wNumber = (file: string) => (/^w\d+-/.test(file) ? Number.parseInt(file.slice(1), 10) : Number.NaN);
const isTuningW = (file: string) => wNumber(file) % 2 === 1;
const isBlindW = (file: string) => wNumber(file) % 2 === 0;

/**
 * The odd half of the second outside-written set (w01, w03, ... w79): the longer multi-turn
 * game-master prose of another hand, made tuning material the day it was written because the
 * tuning sets written here all score ~1.00 and no longer show what outside prose does; its
 * misses are printed. Floors: the figures measured when it was split off (first run at ab29a3a:
 * change 0.91/0.51, new entities 0.98/0.98, hedged 2 of 4 moderated and 1 unmoderated), raised
 * as it improves; a drop fails. 0.96/0.59, 3 of 4 and none unmoderated after "that"-complement
 * reports ("she adds that"), far-past openings ("Forty years ago") and siege cues next to a
 * perfect auxiliary or a place reference ("has been encircled", "encircle the city"), k1130-k1137;
 * 0.96/0.66 after a faction's people by possessive as the subject ("the Court's bravos hold"),
 * "now" later in a holding clause and a faction's possessive as a predicate ("the forest is the
 * Court's now"), k1138-k1143; change P 1.00 after a report the narrator contradicts later in the
 * scene is withdrawn (w45); recall 0.76, new entities 1.00/1.00 after allegiance verbs with a
 * time ("now answer to"), hyphenated place nouns ("the forge-fortress"), copular ruin cues ("is
 * a ruin", "nothing but ash remains of"; not "is still a wasteland") and civic titles
 * ("Councillor"), k1144-k1149; 0.78 after a world character's people acting for the character's
 * faction ("Orsk Dane's men hold the Sunder Pass now"), k1150-k1151; 0.80 after an agentless
 * taking whose doer a later sentence names ("The blow was struck by the Order of Thal"), k1152-k1153;
 * 0.83 after a short present-tense verdict ("The marsh is theirs."), k1154-k1155; 0.85 after a
 * ruin told as a landscape ("the forest is a field of black stumps") of a place noun with no
 * faction in its sentence, k1156-k1157; 0.88 after a lower-case group name taking a world place
 * ("the kiters took sunder pass", w55).
 */
const W_TUNING_FLOORS = { changeP: 0.99, changeR: 0.86, candidateP: 0.99, candidateR: 0.99, hedgedModerated: 3 };

test('second outside-written set, odd half (w*): per-category scores and misses, floors on the aggregate', () => {
  const docs = loadCorpus(isTuningW);
  assert.ok(docs.length >= 40, `at least 40 files (${docs.length})`);
  const w = scoreDocs(docs);
  console.log(
    [
      `second outside-written set, odd half: ${docs.length} files (written 2026-12-04; tuning material, misses printed)`,
      ...table('odd half of w*, per difficulty and all:', [
        ...[...w.byDifficulty].sort().map(([k, v]): [string, Tally] => [`${k} (w* odd)`, v]),
        ['all (w* odd)', w.all],
      ]),
      ...table('odd half of w*, per category:', [...w.byCategory].sort()),
      `w* odd misses: changes ${JSON.stringify(w.all.changes.misses)} extra ${JSON.stringify(w.all.changes.extras)}`,
      `w* odd misses: candidates ${JSON.stringify(w.all.candidates.misses)} extra ${JSON.stringify(w.all.candidates.extras)}`,
      `w* odd: hedged ${w.all.hedgedModerated} of ${w.all.hedged} moderated, ${w.all.hedgedUnmoderated} unmoderated`,
    ].join('\n'),
  );
  assert.deepEqual(floorFailures('w* odd', w.all, W_TUNING_FLOORS), []);
});

/**
 * The blind sets: written from issue 14's categories by someone who read neither the extraction
 * code nor any other case, and committed before they were ever run (v*.json on 2026-12-03; w*.json
 * on 2026-12-04, by another such hand, in a longer multi-turn game-master style). They measure
 * prose the rules were not fitted to, so they assert no thresholds and print aggregates only,
 * never their misses: a printed miss invites a rule written for that sentence.
 */
const BLIND_SETS = [
  { label: 'v*', name: 'blind set', written: '2026-12-03', select: (file: string) => file.startsWith('v'), min: 80 },
  { label: 'w* even', name: 'second blind set, even half', written: '2026-12-04', select: isBlindW, min: 40 },
];

for (const set of BLIND_SETS) {
  test(`${set.name} (${set.label}): aggregate scores only, no thresholds, no misses printed`, () => {
    const docs = loadCorpus(set.select);
    assert.ok(docs.length >= set.min, `at least ${set.min} ${set.name} files (${docs.length})`);
    for (const d of docs) {
      assert.ok(CATEGORIES.has(d.category ?? ''), `${d.id}: category ${d.category}`);
      assert.ok(d.difficulty === 'easier' || d.difficulty === 'harder', `${d.id}: difficulty ${d.difficulty}`);
    }
    const blind = scoreDocs(docs);
    console.log(
      [
        `${set.name}: ${docs.length} files written ${set.written}, scored as a whole (aggregates only; never tuned against)`,
        ...table(`${set.name}, per difficulty and all:`, [
          ...[...blind.byDifficulty].sort().map(([k, v]): [string, Tally] => [`${k} (${set.label})`, v]),
          [`all (${set.label})`, blind.all],
        ]),
        ...table(`${set.name}, per category:`, [...blind.byCategory].sort()),
      ].join('\n'),
    );
  });
}
