/**
 * Possession as change, for change detection (detect-changes.ts): a place stated to be a faction's
 * ("Lowmarket was theirs", "in the hands of the Corsairs", "the Court's now", "now masters of
 * Brackwater"), a change when a time or a taking marks it (change-times.ts).
 */
import { tokenAt } from '../text/token-at.js';
import type { Token } from '../text/tokens.js';
import { innerAdverb } from './adverbials.js';
import { changeMarked, momentAfter } from './change-times.js';
import {
  ASSAULT_VERBS,
  BECOME_FORMS,
  BE_FORMS,
  BELONG_WORDS,
  CONTROL_VERBS,
  MASTER_WORDS,
  MOMENT_PREPOSITIONS,
  PASSIVE_ADVERBS,
  PERFECT_AUX,
  PLACING_VERBS,
} from './change-vocabulary.js';
import { asked, hypothetical, isNegated } from './clause-frames.js';
import { groupDescriptionFrom } from './group-descriptions.js';
import { withListBefore } from './list-reading.js';
import { OBJECT_PRONOUNS, PLACE_NOUNS } from './place-references.js';
import { speakerFaction } from './quoted-speaker.js';
import { parentheticalStart, placeSubjectBefore, resolvePlace } from './subject-places.js';
import { CLAUSE_PUNCT, COMMA, EM_DASH, punctIn } from './token-gaps.js';
import { isControllable, isFaction, nearest, type TypedHit } from './typed-hit.js';
import type { AddChange } from './sentence-rule.js';

/**
 * "By nightfall Lowmarket was theirs", "Brackwater is now in the hands of the Corsairs", "by
 * noon, Harrowgate was under their control", "Lowmarket belongs to the Tithe now": a place's
 * new owner, at a time (changeMarked: without one it is how things stand). `at` is the
 * OWNED_HEADS word; "their"/"its"/"theirs" is the faction named before in the sentence, else the
 * antecedent.
 */
export function ownedChange(
  text: string,
  tokens: Token[],
  hits: TypedHit[],
  at: number,
  antecedent: TypedHit | null,
  place: TypedHit | null,
  controlVerbAt: Set<number>,
  add: AddChange,
): void {
  const w = (tokens[at] as Token).lower;
  if (MASTER_WORDS.has(w)) {
    mastersOf(text, tokens, hits, at, antecedent, controlVerbAt, add);
    return;
  }
  const w1 = tokenAt(tokens, at - 1)?.lower ?? '';
  const w2 = tokenAt(tokens, at - 2)?.lower ?? '';
  // "ours", "in our hands": the speaker's side, named outside the quotation (speakerFaction).
  const first = w === 'ours' || w1 === 'our';
  const possessive = w1 === 'their' || w1 === 'its' || w1 === 'our';
  let start = -1; // first word of the predicate
  let gainerAt = -1; // where a named gainer stands; -1: the possessive's faction
  if (w === 'theirs' || w === 'ours') start = at;
  else if (BELONG_WORDS.has(w)) {
    if (tokens[at + 1]?.lower !== 'to') return;
    start = at;
    gainerAt = at + 2;
  } else if ((w === 'hands' || w === 'possession') && (w2 === 'in' || w2 === 'into') && possessive) start = at - 2;
  else if ((w === 'control' || w === 'flag' || w === 'banner' || w === 'banners') && w2 === 'under' && possessive) start = at - 2;
  else if (
    (w === 'hands' || w === 'control' || w === 'possession') &&
    w1 === 'the' &&
    tokens[at + 1]?.lower === 'of' &&
    (w2 === 'in' || w2 === 'under' || w2 === 'into')
  ) {
    start = at - 2;
    gainerAt = at + 2;
  } else if (w === 'territory' || w === 'land' || w === 'lands') {
    // "Lowmarket is Iron Tithe territory now", "the valley was Emberwright land by spring"
    const owner = hits.find((h) => h.endTok === at && isFaction(h));
    if (owner && text.charCodeAt((tokens[at - 1] as Token).end) === 32) {
      start = tokenAt(tokens, owner.startTok - 1)?.lower === 'the' ? owner.startTok - 1 : owner.startTok;
      gainerAt = owner.startTok;
    }
  } else if (w === 'hands' || w === 'possession' || w === 'control' || w === 'flag' || w === 'banner' || w === 'banners') {
    // "in the Tithe's hands", "under the Veiled Court's control": a faction's possessive before the word
    const owner = hits.find((h) => h.endTok === at && isFaction(h));
    const after = owner ? text.charCodeAt((tokens[at - 1] as Token).end) : 0;
    // "in the Tithe's hands", and the name as an attribute: "in Emberwright hands", "under Tithe control"
    if (owner && (after === 39 || after === 0x2019 || after === 32)) {
      const k = tokenAt(tokens, owner.startTok - 1)?.lower === 'the' ? owner.startTok - 2 : owner.startTok - 1;
      const prep = tokens[k]?.lower;
      if (w === 'hands' || w === 'possession' ? prep === 'in' || prep === 'into' : prep === 'under') {
        start = k;
        gainerAt = owner.startTok;
      }
    }
  }
  if (start < 0) return;
  // a form of "be" before the predicate ("was theirs", "is now under their control")
  let from = start;
  if (!BELONG_WORDS.has(w)) {
    // "Brackwater, now in the hands of the Corsairs,": an appositive "now" stands for "which is now"
    const appositive =
      tokenAt(tokens, start - 1)?.lower === 'now' &&
      punctIn(text, (tokens[start - 2] as Token | undefined)?.end ?? 0, (tokens[start - 1] as Token).start, COMMA);
    from = appositive ? start - 1 : tokenAt(tokens, start - 1)?.lower === 'now' ? start - 2 : start - 1;
    // "came swiftly under the control of", "passed quietly into their hands": an adverb before the predicate
    if (!appositive && innerAdverb(tokenAt(tokens, from)?.lower ?? '')) from--;
    // "has been in the hands of the Choir since midwinter": the perfect of "be"
    if (tokenAt(tokens, from)?.lower === 'been' && PERFECT_AUX.has(tokenAt(tokens, from - 1)?.lower ?? '')) from--;
    const v = tokens[from]?.lower ?? '';
    if (!appositive && !BE_FORMS.has(v) && !BECOME_FORMS.has(v) && !PLACING_VERBS.has(v) && !PERFECT_AUX.has(v)) return;
  }
  // "Lowmarket became theirs": becoming is a change without a time
  // "was placed under the Tithe's control", "fell into their hands": placing is an event too
  const becomes = BECOME_FORMS.has(tokens[from]?.lower ?? '') || PLACING_VERBS.has(tokens[from]?.lower ?? '');
  // "Lowmarket was theirs, the Iron Tithe having stormed the gate": the taker named after it, in a
  // clause that tells the taking (so it is a change without a time).
  const taker = gainerAt < 0 && !first ? takerAfter(text, tokens, hits, at + 1) : null;
  if (!taker && !becomes && !verdict(tokens, from, at) && !changeMarked(text, tokens, hits, from, start, at + 1)) return;
  if (asked(text, tokens, at) || hypothetical(text, tokens, at) || isNegated(text, tokens, from)) return;
  // the place right before ("Lowmarket was theirs"; "the children of Lowmarket were in their hands" is no change),
  // or "it"/"the valley" for the place named before ('"The valley is ours now," said the Tithe captain')
  let target = nearest(hits, isControllable, from, -1);
  // "the Sunder Gap, long contested by the Emberwrights, now belongs to the Tithe": the place before the parenthetical
  const beforeParenthetical =
    target && target.endTok < from - 1
      ? parentheticalStart(text, tokens, tokenAt(tokens, from - 1)?.lower === 'now' ? from - 1 : from)
      : -1;
  const subjectPlace =
    beforeParenthetical >= 0 ? hits.find((h) => isControllable(h) && h.endTok === beforeParenthetical) : undefined;
  if (subjectPlace) target = subjectPlace;
  else if (!target || target.endTok < from - 1) {
    const type = from > 0 ? placeSubjectBefore(tokens, from) : null;
    // "Harrowgate's guards were bought, and by the new moon the town was theirs": the sentence's own place first.
    target = type !== null && placeSubjectBefore(tokens, from - 1) === null ? resolvePlace(hits, from, type, place) : null;
    if (!target) return;
  } else if (
    tokenAt(tokens, target.startTok - 1)?.lower === 'of' &&
    !PLACE_NOUNS.has(tokenAt(tokens, target.startTok - 2)?.lower ?? '')
  )
    return;
  let gainer: TypedHit | null;
  if (first) gainer = speakerFaction(text, tokens, hits, at);
  else if (taker) gainer = taker;
  else if (gainerAt >= 0)
    // "belongs to them", "belongs to the newcomers" (not "answers to the masked envoys": another's people may answer): the antecedent faction
    gainer =
      OBJECT_PRONOUNS.has(tokens[gainerAt]?.lower ?? '') ||
      (w.startsWith('belong') && groupDescriptionFrom(tokens, gainerAt) >= 0)
        ? antecedent
        : (() => {
            const f = nearest(hits, isFaction, gainerAt, 1);
            return f && f.startTok <= gainerAt + 2 ? f : null;
          })();
  else gainer = nearest(hits, isFaction, from, -1) ?? antecedent;
  if (!gainer) return;
  controlVerbAt.add(at);
  // "Lowmarket and Harrowgate were in the hands of the Iron Tithe": every place listed as the subject
  const own = hits.includes(target) && target.endTok === from ? withListBefore(text, tokens, hits, target) : [target];
  for (const t of own) add(t.entityId, { kind: 'control', field: 'controlledBy', to: gainer.entityId, from: null, verb: w }, at);
}

/**
 * "The forest is the Court's now", "by dusk Lowmarket was the Tithe's", "Harrowgate became the
 * Order's": a faction's name with a possessive apostrophe and nothing owned after it (the clause
 * ends, or "now"/"again"/a time follows), after a form of "be" or "become" after the place (or a
 * reference to it). Like "theirs", a change only at a time or by becoming (changeMarked).
 */
export function possessivePredicate(
  text: string,
  tokens: Token[],
  hits: TypedHit[],
  owner: TypedHit,
  place: TypedHit | null,
  controlVerbAt: Set<number>,
  add: AddChange,
): void {
  const last = tokens[owner.endTok - 1] as Token;
  const apostrophe = text.charCodeAt(last.end);
  if (apostrophe !== 39 && apostrophe !== 0x2019) return;
  // nothing owned after it: the clause ends, or an adverb of time follows ("the Court's now, every acre")
  const next = tokens[owner.endTok];
  if (next) {
    const gap = punctIn(text, last.end, next.start, CLAUSE_PUNCT | EM_DASH);
    const timeAfter =
      next.lower === 'now' ||
      next.lower === 'again' ||
      next.lower === 'by' ||
      (MOMENT_PREPOSITIONS.has(next.lower) && momentAfter(tokens, owner.endTok));
    if (!gap && !timeAfter) return;
  }
  let start = owner.startTok;
  if (tokenAt(tokens, start - 1)?.lower === 'the') start--;
  const now = tokenAt(tokens, start - 1)?.lower === 'now';
  const from = now ? start - 2 : start - 1;
  const v = tokens[from]?.lower ?? '';
  if (!BE_FORMS.has(v) && !BECOME_FORMS.has(v)) return;
  if (!BECOME_FORMS.has(v) && !changeMarked(text, tokens, hits, from, start, owner.endTok)) return;
  if (asked(text, tokens, from) || hypothetical(text, tokens, from) || isNegated(text, tokens, from)) return;
  let target = nearest(hits, isControllable, from, -1);
  // "Brackwater, though, became the Corsairs'": the place before a parenthetical
  if (target && target.endTok !== from && target.endTok !== parentheticalStart(text, tokens, from)) target = null;
  if (!target) {
    const type = from > 0 ? placeSubjectBefore(tokens, from) : null;
    target = type !== null ? resolvePlace(hits, from, type, place) : null;
  }
  if (!target) return;
  controlVerbAt.add(owner.endTok);
  add(target.entityId, { kind: 'control', field: 'controlledBy', to: owner.entityId, from: null, verb: 'possessive' }, from);
}

/** The longest sentence read as a verdict ("The marsh is theirs." is 4 words; "The whole of the old town is theirs." 8). */
const VERDICT_WORDS = 8;

/**
 * A short present-tense sentence that ends on "theirs"/"ours" ("The marsh is theirs.", "The pass
 * is ours."): the narrator's verdict on what just happened, a change without a time. The past
 * ("was theirs") may be history, and a longer sentence may tell how things long stood.
 */
function verdict(tokens: Token[], from: number, at: number): boolean {
  const w = tokens[from]?.lower;
  return (w === 'is' || w === 'are') && at === tokens.length - 1 && tokens.length <= VERDICT_WORDS && from === at - 1;
}

/**
 * "The Saltmarch Corsairs, now masters of Brackwater,", "by dusk the Tithe were the masters of
 * Lowmarket": the faction before "(were) now (the) masters of" gains the place after "of", at a time
 * (an appositive or copula "now", or changeMarked); "they" is the antecedent.
 */
function mastersOf(
  text: string,
  tokens: Token[],
  hits: TypedHit[],
  at: number,
  antecedent: TypedHit | null,
  controlVerbAt: Set<number>,
  add: AddChange,
): void {
  if (tokens[at + 1]?.lower !== 'of') return;
  const placeAt = tokens[at + 2]?.lower === 'the' ? at + 3 : at + 2;
  const target = hits.find((h) => h.startTok === placeAt && isControllable(h));
  if (!target) return;
  let k = at - 1;
  while (k > at - 3 && (tokens[k]?.lower === 'the' || tokens[k]?.lower === 'new')) k--;
  let now = false;
  if (tokens[k]?.lower === 'now') {
    now = true;
    k--;
  }
  const from = k;
  if (BE_FORMS.has(tokens[k]?.lower ?? '')) k--;
  else if (!now || !punctIn(text, (tokens[k] as Token | undefined)?.end ?? 0, (tokens[k + 1] as Token).start, COMMA)) return;
  const w = tokens[k]?.lower ?? '';
  const gainer = hits.find((h) => h.endTok === k + 1 && isFaction(h)) ?? (w === 'they' ? antecedent : null);
  if (!gainer) return;
  if (!now && !changeMarked(text, tokens, hits, from, at, at + 1)) return;
  if (asked(text, tokens, at) || hypothetical(text, tokens, at) || isNegated(text, tokens, from)) return;
  controlVerbAt.add(at);
  add(
    target.entityId,
    {
      kind: 'control',
      field: 'controlledBy',
      to: gainer.entityId,
      from: null,
      verb: w === 'they' ? 'masters' : (tokens[at] as Token).lower,
    },
    at,
  );
}

/**
 * "..., the Iron Tithe having stormed the gate", ": the Tithe had stormed it at dawn": a faction
 * right after a comma, colon or dash at token `from` (optionally "the" or "for" before it), then
 * having/had: the one who took what the predicate before says is theirs.
 */
function takerAfter(text: string, tokens: Token[], hits: TypedHit[], from: number): TypedHit | null {
  // The clause break may come a few words on ("theirs before the bells stopped: ..."), not after
  // a duration ("theirs for a century, the Tithe having stormed it once" is how things stood).
  let k = from;
  for (; k < tokens.length && k < from + 8; k++) {
    if (punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, CLAUSE_PUNCT | EM_DASH)) break;
    if ((tokens[k] as Token).lower === 'for') return null;
  }
  if (k >= tokens.length || k >= from + 8) return null;
  if (tokens[k]?.lower === 'for') k++;
  if (tokens[k]?.lower === 'the') k++;
  const f = hits.find((h) => h.startTok === k && isFaction(h));
  if (!f) return null;
  const w = tokens[f.endTok]?.lower ?? '';
  if (w !== 'having' && w !== 'had') return null;
  // "having stormed the gate", "had already taken it": a taking, not "having built its walls"
  let v = f.endTok + 1;
  if (tokens[v]?.lower.endsWith('ly') || PASSIVE_ADVERBS.has(tokens[v]?.lower ?? '')) v++;
  const verb = tokens[v]?.lower ?? '';
  return ASSAULT_VERBS.has(verb) || CONTROL_VERBS.byFirst.get(verb)?.some((p) => p.kind === 'gain' && p.keys.length === 1)
    ? f
    : null;
}
