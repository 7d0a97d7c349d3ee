import { KeyFilter } from '../text/key-filter.js';
import { tokenAt } from '../text/token-at.js';
import type { Token } from '../text/tokens.js';
import { beforeAdverbials, innerAdverb } from './adverbials.js';
import { beatenThen, pronounSubjectBefore, victorOver } from './battles.js';
import {
  ADJACENT_STATUS,
  ANSWER_VERBS,
  BANNER_VERBS,
  BASE_ADVERBS,
  BASE_VERBS,
  BE_FORMS,
  CONTRAST_OPENERS,
  CONTROL_VERBS,
  COORDINATED_GAP_WORDS,
  COUNT_WORDS,
  DEMONSTRATIVES,
  DETERMINERS,
  DIRECT_OBJECT_ONLY,
  DO_FORMS,
  DRIVE_PARTICLES,
  DRIVE_VERBS,
  ENTRY_VERBS,
  EXPULSIONS,
  FELL_WORDS,
  FIRST_PERSON,
  FLIGHT_AUX,
  HISTORY_BEFORE,
  HOLD_OFF,
  MOMENT_AFTER,
  NOT_FINITE_BEFORE,
  OTHER_CLAUSE,
  OWNED_HEADS,
  OWN_WORDS,
  PARTICLE_VERBS,
  PASSIVE_ADVERBS,
  PERCEPTION_VERBS,
  PERFECT_AUX,
  PLACE_PREPOSITIONS,
  POSSESSIVES,
  PRONOUNS,
  RELATIVE_PRONOUN_SUBJECTS,
  RELATIVE_SUBJECTS,
  RESULT_VERBS,
  SPANS,
  STATE_BEFORE_HELD,
  STATE_VERBS,
  STATUS_CUES,
  THAT_TIMES,
  TRANSFER_VERBS,
  UNOPPOSED,
  VERB_ADVERBS,
  type VerbKind,
} from './change-vocabulary.js';
import { bannerRaised, byTimeBefore, haveNow, nowAfter, nowBefore, nowLaterInClause, wordBefore } from './change-times.js';
import { asked, hypothetical, isNegated, negatedAfter } from './clause-frames.js';
import { ANAPHOR_NOUNS, groupDescriptionAt, groupDescriptionFrom, membersAfterPossessive } from './group-descriptions.js';
import { OBJECT_PRONOUNS, PLACE_NOUNS, placeNounKind } from './place-references.js';
import { matchPhrase, type Phrase } from './phrase-index.js';
import {
  factionsListedAfter,
  factionsListedBefore,
  gappedPairs,
  respectively,
  withListAfter,
  withListBefore,
} from './list-reading.js';
import { thingBesidePlace } from './thing-antecedents.js';
import { CLAUSE_PUNCT, COLON, COMMA, EM_DASH, openingComma, punctIn, SEMICOLON } from './token-gaps.js';
import { echoedChanges } from './echoed-changes.js';
import { nominalChanges, nominalSieges } from './nominal-changes.js';
import { agentAfter, auxBefore, frontedSubject } from './passive-agents.js';
import { ownedChange, possessivePredicate } from './possession.js';
import { speakerFaction } from './quoted-speaker.js';
import {
  burnedIntransitive,
  imperativeCue,
  resultativeTargets,
  ruinField,
  sceneryAfter,
  statusContinues,
} from './status-cue-readings.js';
import { storyFramed } from './story-frames.js';
import { parentheticalComma, placeReferenceAt, placeSubject, placeSubjectBefore, resolvePlace } from './subject-places.js';
import { cueType } from './type-guess.js';
import {
  cueBesidePlace,
  devastationBesidePlace,
  objectBesidePlace,
  placeInSubject,
  possessorOfObject,
} from './object-beside-place.js';
import type { ProposedChange } from './types.js';
import { isControllable, isFaction, nearest, type TypedHit } from './typed-hit.js';

/** Part of the domain API from this module before the clause frames had their own. */
export { isNegated };
/** Part of the domain API from this module before typed hits had their own. */
export type { TypedHit };

/** "unopposed", "without a fight" within five words after token `from`, in the same clause. */
function unopposedAfter(text: string, tokens: Token[], from: number): boolean {
  for (let k = from; k < tokens.length && k < from + 5; k++) {
    if (k > from && punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, SEMICOLON | COLON | EM_DASH))
      return false;
    for (const u of UNOPPOSED) if (u.every((w, n) => tokens[k + n]?.lower === w)) return true;
  }
  return false;
}

/** "made the port their own", "made Brackwater theirs": the complement after the place (ending at `end`) is the maker's possession. */
function ownComplement(tokens: Token[], end: number): boolean {
  const w = tokens[end]?.lower ?? '';
  if (w === 'theirs') return true;
  return (w === 'their' || w === 'its') && OWN_WORDS.has(tokens[end + 1]?.lower ?? '');
}

/** Is the base verb at `at` a present-tense plural: right after its actor, nothing modal or causative before that? */
function baseFinite(text: string, tokens: Token[], hits: TypedHit[], verbAt: number): boolean {
  // "The Choir did take Lowmarket", "they did at last seize it": do-support makes the base form
  // finite (emphatic, as when the narrator confirms a claim); the subject stands before "did".
  const doAt = beforeAdverbials(text, tokens, verbAt, 2, NO_WORDS);
  if (DO_FORMS.has(tokens[doAt]?.lower ?? '')) return finiteSubjectBefore(text, tokens, hits, doAt, true);
  const at = BASE_ADVERBS.has(tokenAt(tokens, verbAt - 1)?.lower ?? '') ? verbAt - 1 : verbAt;
  return finiteSubjectBefore(text, tokens, hits, at, false);
}

const NO_WORDS: ReadonlySet<string> = new Set();
const ANSWER_VERB_SET: ReadonlySet<string> = new Set(ANSWER_VERBS);

/** Does the actor of a finite verb (group) starting at `at` stand right before it: a faction, they/we (or "it" before "did"), a relative pronoun after a faction? */
function finiteSubjectBefore(text: string, tokens: Token[], hits: TypedHit[], at: number, doSupport: boolean): boolean {
  const prev = tokenAt(tokens, at - 1)?.lower ?? '';
  // "The Saltmarch Corsairs, who have waited all winter, seize Brackwater": the actor before the parenthetical.
  const open = openingComma(text, tokens, at);
  const end = open >= 0 ? open + 1 : at;
  let subjectStart = -1;
  if (open < 0 && (prev === 'they' || prev === 'we' || (doSupport && prev === 'it'))) subjectStart = at - 1;
  // "Kestrel watched them take Harrowgate": a pronoun object of a perception verb
  else if (open < 0 && prev === 'them' && PERCEPTION_VERBS.has(tokenAt(tokens, at - 2)?.lower ?? '')) subjectStart = at - 1;
  // "By nightfall the newcomers hold Lowmarket": a plural description of the faction named before
  else if (open < 0 && groupDescriptionAt(tokens, at - 1)) {
    for (let k = at - 2; k >= 0 && k >= at - 4 && subjectStart < 0; k--)
      if (DETERMINERS.has((tokens[k] as Token).lower)) subjectStart = k;
    if (subjectStart < 0) return false;
    return !NOT_FINITE_BEFORE.has(tokenAt(tokens, subjectStart - 1)?.lower ?? '');
  } else if (open < 0 && (subjectStart = possessiveMembersBefore(text, tokens, hits, at)) >= 0) {
    // "the Veiled Court's bravos hold the town now": the faction's people are the faction
  } else if (open < 0 && RELATIVE_SUBJECTS.has(prev)) {
    // "The Lanternbound Choir, who now hold Saint Orrin": the faction before the relative pronoun.
    for (const h of hits) if (h.endTok === at - 1 && isFaction(h)) return true;
    return false;
  } else for (const h of hits) if (h.endTok === end && isFaction(h)) subjectStart = h.startTok;
  if (subjectStart < 0) return false;
  if (tokenAt(tokens, subjectStart - 1)?.lower === 'the') subjectStart--;
  // "You watch the Iron Tithe take Lowmarket", "Kestrel saw the Order take Harrowgate": what a
  // finite perception verb's object does is narrated as happening ("Watch the Tithe take it",
  // "you will watch them take it", "to see them take it" are not)
  const before = tokenAt(tokens, subjectStart - 1)?.lower ?? '';
  if (PERCEPTION_VERBS.has(before))
    return (
      subjectStart - 1 > 0 &&
      !NOT_FINITE_BEFORE.has(tokenAt(tokens, subjectStart - 2)?.lower ?? '') &&
      !isNegated(text, tokens, subjectStart - 1)
    );
  return !NOT_FINITE_BEFORE.has(before);
}

/**
 * "the Veiled Court's bravos" (or "the Tithe's grey riders") ending right before token `at`: the
 * faction's first token, else -1. The faction's name must end in a possessive apostrophe.
 */
function possessiveMembersBefore(text: string, tokens: Token[], hits: TypedHit[], at: number): number {
  for (const h of hits) {
    if (!isFaction(h) || h.endTok < at - 2 || h.endTok > at - 1) continue;
    const after = text.charCodeAt((tokens[h.endTok - 1] as Token).end);
    if (after !== 39 && after !== 0x2019) continue;
    if (membersAfterPossessive(tokens, h.endTok, at - 1)) return h.startTok;
  }
  return -1;
}
/** One look-up per token for mayReferToPlace, behind a pre-check that nearly every token fails. */
const PLACE_REFERENCE_WORDS = new Set([...OBJECT_PRONOUNS, 'out', ...PLACE_NOUNS.keys()]);
const PLACE_REFERENCE_FILTER = new KeyFilter(PLACE_REFERENCE_WORDS);
const MAX_STATUS_DISTANCE = 10;

/**
 * Is the verb's object (from token `at`) a counted thing, with the place at `placeAt` only in a
 * prepositional phrase after it? "lost three kites ... over the Sunder Pass" (yes), "took two
 * hundred prisoners at Lowmarket" (yes), "took both Lowmarket and Harrowgate" (no: both is no
 * count word), "seized two of the Court's towns, Lowmarket and Harrowgate" (no: "of" and an apposition).
 */
function countedObject(text: string, tokens: Token[], at: number, placeAt: number): boolean {
  const first = tokens[at];
  if (!first || placeAt <= at + 1) return false;
  if (!(COUNT_WORDS.has(first.lower) || /^\d/.test(first.lower))) return false;
  let preposition = false;
  for (let k = at + 1; k < placeAt; k++) {
    const t = tokens[k] as Token;
    if (punctIn(text, (tokens[k - 1] as Token).end, t.start, CLAUSE_PUNCT | EM_DASH)) return false;
    if (k === at + 1 && t.lower === 'of') return false;
    if (PLACE_PREPOSITIONS.has(t.lower)) preposition = true;
  }
  return preposition;
}

/**
 * When a dash stands right before token `at` (an adverb may stand between): the token before the
 * dash that opens that aside ("The Kite Guild — the same guild that had lost three kites to the
 * Emberwrights — claimed the Ashen Steppe"), else -1. Dashes pair within the sentence.
 */
function openingDash(text: string, tokens: Token[], at: number): number {
  let end = at;
  if (
    end > 1 &&
    !punctIn(text, (tokens[end - 1] as Token).end, (tokens[end] as Token).start, EM_DASH) &&
    VERB_ADVERBS.has((tokens[end - 1] as Token).lower)
  )
    end--;
  const prev = tokens[end - 1];
  if (!prev || !punctIn(text, prev.end, (tokens[end] as Token).start, EM_DASH)) return -1;
  for (let j = end - 2; j >= 0; j--)
    if (punctIn(text, (tokens[j] as Token).end, (tokens[j + 1] as Token).start, EM_DASH)) return j;
  return -1;
}

function factionAfterWord(tokens: Token[], hits: TypedHit[], word: string, from: number): TypedHit | null {
  for (let j = from; j < tokens.length; j++) {
    if (tokens[j]?.lower !== word) continue;
    const f = nearest(hits, isFaction, j + 1, 1);
    if (f && f.startTok <= j + 3) return f;
  }
  return null;
}

/**
 * The actor of a verb: the nearest faction before it, skipping a parenthetical that ends
 * right before the verb ("The Kite Guild, with help from the Masked Court, liberated ...");
 * else, when a pronoun is the subject, the faction named last before this sentence.
 */
function actorOf(
  text: string,
  tokens: Token[],
  hits: TypedHit[],
  at: number,
  antecedent: TypedHit | null,
  gain: boolean,
): TypedHit | null {
  // '"We took Lowmarket last night," the Tithe captain boasts': "we" in dialogue is the speaker's
  // faction, named with a verb of saying outside the quotation (as "ours" is).
  if (firstPersonBefore(tokens, at)) {
    const speaker = speakerFaction(text, tokens, hits, at);
    if (speaker) return speaker;
  }
  // The comma that opens the parenthetical: take the faction (or pronoun) before it.
  let open = parentheticalComma(text, tokens, at);
  if (open < 0) open = openingDash(text, tokens, at);
  if (open >= 0) {
    const before = nearest(hits, isFaction, open + 1, -1);
    if (before) return before;
    if (antecedent && subjectReferenceBefore(tokens, open + 1, antecedent)) return antecedent;
    // "The Order of the Ash, not the Thalric Order, took Lowmarket": the aside names who did not
    if (CONTRAST_OPENERS.has(tokens[open + 1]?.lower ?? '')) return null;
  }
  const near = nearest(hits, isFaction, at, -1);
  const ordinal = near ? latterBetween(tokens, near.endTok, at) : null;
  // "The Order and the Tithe clashed, and the latter took ...": of this sentence's factions,
  // the latter is the last named before it and the former the one before that.
  if (ordinal) {
    const named = hits.filter((h) => isFaction(h) && h.endTok <= ordinal.at).sort((a, b) => a.startTok - b.startTok);
    if (named.length >= 2) return named[named.length - (ordinal.word === 'latter' ? 1 : 2)] as TypedHit;
  }
  // "The Emberwrights fled, and they took the keep": a pronoun after a faction that fled or was
  // beaten is the other side (the victor before it, else the faction named before).
  if (gain && near && !ordinal && pronounSubjectBefore(tokens, at) && beatenThen(text, tokens, hits, near, at))
    return victorOver(hits, near, antecedent);
  // "The Guild's kites turned back, but the latter pressed on and took ...": past the faction.
  if (near && !(antecedent && ordinal)) return near;
  if (antecedent && subjectReferenceBefore(tokens, at, antecedent)) return antecedent;
  // "you watched them take Harrowgate": the perceived "them" is the antecedent
  if (
    !near &&
    antecedent &&
    tokenAt(tokens, at - 1)?.lower === 'them' &&
    PERCEPTION_VERBS.has(tokenAt(tokens, at - 2)?.lower ?? '')
  )
    return antecedent;
  // "It reached Lowmarket by noon and seized it": the pronoun subject of the first verb.
  if (!near && gain && antecedent && coordinatedPronounSubject(tokens, at)) return antecedent;
  return near;
}

/** "we" (or "our <noun>") as the subject of the verb at `at`, auxiliaries and adverbs between ("we took", "our riders have seized"). */
function firstPersonBefore(tokens: Token[], at: number): boolean {
  let j = at - 1;
  while (j >= 0 && j >= at - 3) {
    const w = (tokens[j] as Token).lower;
    if (!(PERFECT_AUX.has(w) || (w.length > 3 && w.endsWith('ly')) || BASE_ADVERBS.has(w) || PASSIVE_ADVERBS.has(w))) break;
    j--;
  }
  const w = tokens[j]?.lower ?? '';
  if (FIRST_PERSON.has(w) && w !== 'our') return true;
  return tokenAt(tokens, j - 1)?.lower === 'our' && !tokens[j]?.cap;
}

/** "that night", "that very evening", "that same week" from token `that`: a time, not a relative clause. */
function timeAfterThat(tokens: Token[], that: number): boolean {
  let k = that + 1;
  const w = tokenAt(tokens, k)?.lower;
  if (w === 'very' || w === 'same') k++;
  const noun = tokenAt(tokens, k)?.lower ?? '';
  return MOMENT_AFTER.has(noun) || THAT_TIMES.has(noun);
}

/**
 * The verb at `at` is the second of two joined by "and" or "then" ("It reached Lowmarket by noon
 * and seized it", "they marched all night, then took Harrowgate") whose subject is "they" or
 * "it" earlier in the sentence, with no clause of another subject between.
 */
function coordinatedPronounSubject(tokens: Token[], at: number): boolean {
  let j = at - 1;
  while (j > 0 && (BASE_ADVERBS.has((tokens[j] as Token).lower) || (tokens[j] as Token).lower.endsWith('ly'))) j--;
  // "They came over the walls and by noon had taken Lowmarket": a time phrase and an auxiliary
  // between "and" and the verb keep the subject (no noun of its own may stand there)
  for (let k = j; k > 0 && k >= at - 7 && !(tokens[k] as Token).cap; k--) {
    const w = (tokens[k] as Token).lower;
    if (w === 'and' || w === 'then') {
      j = k;
      break;
    }
    if (!COORDINATED_GAP_WORDS.has(w) && !w.endsWith('ly')) break;
  }
  const glue = tokens[j]?.lower;
  if (glue !== 'and' && glue !== 'then') return false;
  for (let k = j - 1; k >= 0; k--) {
    const w = (tokens[k] as Token).lower;
    // "They marched on Saint Orrin that very night and took it": "that" before a time is no clause
    if (OTHER_CLAUSE.has(w) && !(w === 'that' && timeAfterThat(tokens, k))) return false;
    if (w === 'they' || w === 'it') return true;
    // "what remained of the column limped into the Fens and took them": a group noun for the antecedent
    if (groupDescriptionAt(tokens, k)) return true;
  }
  return false;
}

/**
 * Every word the control scan of detectChanges acts on (a phrase's first word, a fell-to word, a
 * possession head): a token outside it skips the scan's four look-ups. A new cue table belongs here.
 */
const CONTROL_CUE_FILTER = new KeyFilter([
  ...CONTROL_VERBS.byFirst.keys(),
  ...BASE_VERBS.byFirst.keys(),
  ...FELL_WORDS,
  ...OWNED_HEADS,
]);

/** First words of the control phrases of several words: only these can hold an adverb inside (phraseWithAdverb). */
const MULTI_WORD_FIRST = new Set(
  [...CONTROL_VERBS.byFirst].filter(([, list]) => list.some((p) => p.keys.length > 1)).map(([first]) => first),
);

/**
 * "fell instead to", "surrendered quietly to", "passed quietly into the hands of": a verb phrase of
 * several words with one adverb after its first word, named without it; null otherwise.
 */
function phraseWithAdverb(text: string, tokens: Token[], i: number): Phrase<VerbKind> | null {
  if (!MULTI_WORD_FIRST.has((tokens[i] as Token).lower)) return null;
  const adv = tokens[i + 1]?.lower ?? '';
  // "fell, at last, to the Compact", "surrendered, after a week, to": a short parenthetical instead
  const inner = innerAdverb(adv) ? 1 : commaParenthetical(text, tokens, i);
  if (inner === 0) return null;
  const list = CONTROL_VERBS.byFirst.get((tokens[i] as Token).lower);
  if (list === undefined) return null;
  for (const p of list) {
    if (p.keys.length < 2) continue;
    let k = 1;
    while (k < p.keys.length && tokens[i + inner + k]?.lower === p.keys[k]) k++;
    if (k === p.keys.length) {
      const skipped: string[] = [];
      for (let j = 1; j <= inner; j++) skipped.push((tokens[i + j] as Token).lower);
      return { keys: [p.keys[0] as string, ...skipped, ...p.keys.slice(1)], kind: p.kind, text: p.text };
    }
  }
  return null;
}

/** A parenthetical of one to three words set off by commas right after token `i`: its length, else 0. */
function commaParenthetical(text: string, tokens: Token[], i: number): number {
  const next = tokens[i + 1];
  if (!next || !punctIn(text, (tokens[i] as Token).end, next.start, COMMA)) return 0;
  for (let n = 1; n <= 3; n++) {
    const last = tokens[i + n];
    const after = tokens[i + n + 1];
    if (!last || !after) return 0;
    if (punctIn(text, last.end, after.start, CLAUSE_PUNCT)) return punctIn(text, last.end, after.start, COMMA) ? n : 0;
  }
  return 0;
}

/**
 * "Lowmarket, which the Iron Tithe seized", "It was Lowmarket that the Tithe took": the place
 * right before "which"/"that" when the verb's actor follows it (up to two auxiliaries or
 * adverbs between actor and verb); null otherwise.
 */
function objectRelativePlace(tokens: Token[], hits: TypedHit[], actor: TypedHit | null, at: number): TypedHit | null {
  if (!actor || actor.endTok > at) return null;
  // the subject ends where up to two auxiliaries or adverbs before the verb begin ("had finally")
  let k = at;
  while (k > at - 2 && k > 0) {
    const w = (tokens[k - 1] as Token).lower;
    if (!(FLIGHT_AUX.has(w) || PASSIVE_ADVERBS.has(w) || w === 'now' || w.endsWith('ly'))) break;
    k--;
  }
  let a: number;
  if (actor.endTok === k) {
    a = actor.startTok;
    if (tokenAt(tokens, a - 1)?.lower === 'the') a--;
  } else if (RELATIVE_PRONOUN_SUBJECTS.has(tokenAt(tokens, k - 1)?.lower ?? ''))
    a = k - 1; // "Lowmarket, which it had captured"
  else return null;
  const rel = tokenAt(tokens, a - 1)?.lower ?? '';
  if (rel !== 'which' && rel !== 'that') return null;
  const place = hits.find((h) => isControllable(h) && h.endTok === a - 1);
  // "It was Cinderhold, not Harrowgate, that the Tithe seized": the cleft's place, not the one denied
  if (place && tokenAt(tokens, place.startTok - 1)?.lower === 'not')
    return (
      hits.find(
        (h) =>
          isControllable(h) &&
          BE_FORMS.has(tokenAt(tokens, h.startTok - 1)?.lower ?? '') &&
          tokenAt(tokens, h.startTok - 2)?.lower === 'it',
      ) ?? null
    );
  if (place) return place;
  // "Lowmarket, a city that the Iron Tithe seized": the place before an appositive place noun
  for (let j = a - 2; j >= a - 4 && j > 0; j--) {
    if (!PLACE_NOUNS.has(tokens[j]?.lower ?? '') || tokens[j]?.cap) continue;
    const det =
      tokenAt(tokens, j - 1)?.lower === 'a' || tokenAt(tokens, j - 1)?.lower === 'the'
        ? j - 1
        : tokenAt(tokens, j - 2)?.lower === 'a'
          ? j - 2
          : -1;
    return det > 0 ? (hits.find((h) => isControllable(h) && h.endTok === det) ?? null) : null;
  }
  return null;
}
/**
 * "The faction that seized Lowmarket was the Iron Tithe", "Those who finally took Harrowgate were the
 * knights of the Thalric Order", "The company that took Prismwell at dawn, the Saltmarch Corsairs,
 * had ...": a subject relative ("that/who/which" right before the verb, up to one adverb between)
 * whose head is no faction is said of the faction after "was/were" (or the appositive after the
 * clause); null when the verb has no such relative subject.
 */
function relativeFocus(text: string, tokens: Token[], hits: TypedHit[], at: number, after: number): TypedHit | null {
  let r = at - 1;
  const adv = tokens[r]?.lower ?? '';
  if (PASSIVE_ADVERBS.has(adv) || adv === 'now' || adv.endsWith('ly')) r--;
  const rel = tokens[r]?.lower ?? '';
  if ((rel !== 'that' && rel !== 'who' && rel !== 'which') || r < 1) return null;
  // "It was the Court that took it", "Lowmarket, which fell": a hit as the head is the old reading
  if (hits.some((h) => h.endTok === r) || tokenAt(tokens, r - 1)?.lower === 'it') return null;
  for (let k = after; k < tokens.length && k < after + 10; k++) {
    const gap = text.slice((tokens[k - 1] as Token).end, (tokens[k] as Token).start);
    if (/[;:.!?]/.test(gap)) return null;
    const w = (tokens[k] as Token).lower;
    if (BE_FORMS.has(w)) {
      // "was the Iron Tithe", "were the knights of the Thalric Order"; not "was larger than the Guild's"
      let j = tokens[k + 1]?.lower === 'the' ? k + 2 : k + 1;
      if (tokens[j + 1]?.lower === 'of') j = tokens[j + 2]?.lower === 'the' ? j + 3 : j + 2;
      return hits.find((h) => h.startTok === j && isFaction(h)) ?? null;
    }
    if (gap.includes(',') || gap.includes('\u2014')) {
      const start = w === 'the' ? k + 1 : k;
      const f = hits.find((h) => h.startTok === start && isFaction(h));
      if (f) {
        const end = tokens[f.endTok];
        return !end || punctIn(text, (tokens[f.endTok - 1] as Token).end, end.start, COMMA | EM_DASH) ? f : null;
      }
    }
  }
  return null;
}

/**
 * "It was the Saltmarch Corsairs, and not the Veiled Court as the rumours claimed, who seized
 * Brackwater": in a cleft the actor is the faction right after "it was/is", however much stands
 * between it and the relative word before the verb; null when the verb has no such cleft.
 */
function cleftFocus(tokens: Token[], hits: TypedHit[], at: number): TypedHit | null {
  let r = at - 1;
  const adv = tokens[r]?.lower ?? '';
  if (PASSIVE_ADVERBS.has(adv) || adv === 'now' || adv.endsWith('ly')) r--;
  const rel = tokens[r]?.lower ?? '';
  if (rel !== 'that' && rel !== 'who' && rel !== 'which') return null;
  for (let k = r - 1; k >= 1 && k >= r - 16; k--) {
    const w = (tokens[k] as Token).lower;
    if ((w === 'was' || w === 'is') && tokenAt(tokens, k - 1)?.lower === 'it') {
      const start = tokens[k + 1]?.lower === 'the' ? k + 2 : k + 1;
      return hits.find((h) => h.startTok === start && isFaction(h) && h.endTok <= r) ?? null;
    }
  }
  return null;
}

/**
 * "The town that fell to the Veiled Court was Harrowgate": a fell-to verb after "<place noun>
 * that/which" with no place of its own takes the place after the copula that follows; else null.
 */
function placeFocusAfter(text: string, tokens: Token[], hits: TypedHit[], subject: number, after: number): TypedHit | null {
  const rel = tokenAt(tokens, subject - 1)?.lower ?? '';
  if ((rel !== 'that' && rel !== 'which') || !PLACE_NOUNS.has(tokenAt(tokens, subject - 2)?.lower ?? '')) return null;
  for (let k = after; k < tokens.length && k < after + 10; k++) {
    if (punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, SEMICOLON | COLON)) return null;
    if (!BE_FORMS.has((tokens[k] as Token).lower)) continue;
    const start = tokens[k + 1]?.lower === 'the' ? k + 2 : k + 1;
    return hits.find((h) => h.startTok === start && isControllable(h)) ?? null;
  }
  return null;
}

/** "The Corsairs, whom the Court had driven out ...", "the Order, whose knights the Court ...": the faction the relative clause is about. */
function relativeHead(tokens: Token[], hits: TypedHit[], actor: TypedHit | null): TypedHit | null {
  if (!actor) return null;
  let a = actor.startTok;
  if (tokenAt(tokens, a - 1)?.lower === 'the') a--;
  const rel = tokenAt(tokens, a - 1)?.lower ?? '';
  // "whom the Court", "whose knights the Court": the faction ends right before the relative word
  const at = rel === 'whom' || rel === 'which' || rel === 'who' ? a - 1 : tokenAt(tokens, a - 2)?.lower === 'whose' ? a - 2 : -1;
  return at < 0 ? null : (hits.find((h) => isFaction(h) && h.endTok === at) ?? null);
}

/** A pronoun or a noun phrase for the antecedent faction within 3 words (a possessive 4) before token `at`. */
function subjectReferenceBefore(tokens: Token[], at: number, antecedent: TypedHit): boolean {
  for (let j = at - 1; j >= 0 && j >= at - 4; j--) {
    const w = (tokens[j] as Token).lower;
    if (j === at - 4) return POSSESSIVES.has(w);
    if (PRONOUNS.has(w)) return true;
    // "the newcomers", "the grey columns", "those zealots": a description of the antecedent
    if (groupDescriptionAt(tokens, j)) return true;
    // "Captain Brask led the Corsairs up the beach. By dusk his men had taken Brackwater": a leader's troops
    if ((w === 'his' || w === 'her') && ANAPHOR_NOUNS.has(tokens[j + 1]?.lower ?? '')) return true;
    const det = tokenAt(tokens, j - 1)?.lower ?? '';
    if ((det !== 'the' && !DEMONSTRATIVES.has(det)) || tokens[j + 1]?.lower === 'of') continue;
    if (cueType(w) === 'faction' && slugWords(antecedent.entityId).includes(w)) return true;
  }
  return false;
}

/** The words of an entity id's slug: "faction.border-wardens" has "border" and "wardens", not "order". */
function slugWords(entityId: string): string[] {
  return entityId.slice(entityId.indexOf('.') + 1).split('-');
}

/** "the latter" or "the former" between tokens `from` and `to`: which word, and where. */
function latterBetween(tokens: Token[], from: number, to: number): { word: 'latter' | 'former'; at: number } | null {
  for (let j = from + 1; j < to; j++) {
    const w = (tokens[j] as Token).lower;
    if ((w === 'latter' || w === 'former') && tokenAt(tokens, j - 1)?.lower === 'the') return { word: w, at: j };
  }
  return null;
}

/**
 * Could this sentence change a place it does not name ("it fell to", "took the town", "drove
 * them out")? Without one of these words it cannot, so callers skip change detection when the
 * sentence names no place of its own.
 */
export function mayReferToPlace(tokens: Token[]): boolean {
  // It runs on every distinct sentence: a Set look-up per token was 2.6% of a 200-turn run.
  for (const t of tokens) {
    if (PLACE_REFERENCE_FILTER.mayHave(t.lower) && PLACE_REFERENCE_WORDS.has(t.lower)) return true;
    // "the forge-fortress": a compound ending in a place noun (rare: only hyphenated words pay the look-up)
    if (t.lower.length > 4 && t.lower.includes('-') && placeNounKind(t.lower) !== undefined) return true;
  }
  return false;
}
/** Is `place` named in this sentence by a plural name ("the Ashen Plains", "the Fens"), one "them" may stand for? */
function pluralNameIn(tokens: Token[], hits: TypedHit[], place: TypedHit): boolean {
  if (!hits.includes(place)) return false;
  const last = (tokens[place.endTok - 1] as Token).lower;
  return last.length > 3 && last.endsWith('s') && !last.endsWith('ss');
}

/** Is the status cue at `at` separated from the place before it only by a comma-enclosed clause ("Brackwater, where ..., lies in ruins")? */
function parentheticalBetween(text: string, tokens: Token[], place: TypedHit, at: number): boolean {
  const last = tokens[place.endTok - 1] as Token;
  const next = tokens[place.endTok];
  if (!next || !punctIn(text, last.end, next.start, COMMA)) return false;
  for (let k = Math.max(place.endTok + 1, at - 3); k < at; k++)
    if (punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, COMMA)) return true;
  return false;
}

/** What a sentence without a change gets: shared, read only. */
const NO_CHANGE: ReadonlyMap<string, ProposedChange[]> = new Map();
// detectChanges' working map (handed out with a result, then replaced) and verb positions.
// detectChanges never runs inside itself, so one of each serves every call.
let scratchOut = new Map<string, ProposedChange[]>();
const scratchControlVerbAt = new Set<number>();

/**
 * The call in progress, as `add` reads it: module functions over this state instead of two
 * closures and their context per call (detectChanges never runs inside itself).
 */
const current: {
  text: string;
  tokens: Token[];
  cueAt: { set(id: string, at: number): unknown } | undefined;
  /** "Lowmarket is a ruin in the old song": a story's content is no change (read once, on first use) */
  story: boolean | undefined;
} = { text: '', tokens: [], cueAt: undefined, story: undefined };

/** One proposed change of the call in progress, into its working map (scratchOut). */
function add(id: string, given: ProposedChange, at: number): void {
  const { text, tokens } = current;
  current.story ??= storyFramed(tokens);
  if (current.story) return;
  let c = given;
  // "the pass belongs to the Emberwrights no longer", "the Court holds Lowmarket no longer": a
  // negation after the cue, in its clause, turns a holding into its loss (and a status into nothing).
  if (negatedAfter(text, tokens, at)) {
    if (c.kind !== 'control' || c.to === null) return;
    c = { kind: 'control', field: 'controlledBy', to: null, from: c.to, verb: `${c.verb} no longer` };
  }
  const list = scratchOut.get(id) ?? [];
  list.push(c);
  scratchOut.set(id, list);
  current.cueAt?.set(id, at);
}

/** Every target changes hands, from `loser` to `gainer` (either may be unknown). */
function addControl(targets: TypedHit[], gainer: TypedHit | null, loser: TypedHit | null, verb: string, at: number): void {
  for (let k = 0; k < targets.length; k++)
    add(
      (targets[k] as TypedHit).entityId,
      { kind: 'control', field: 'controlledBy', to: gainer?.entityId ?? null, from: loser?.entityId ?? null, verb },
      at,
    );
}

/**
 * Control changes and status changes proposed by one sentence, keyed by the target entity id.
 * `antecedent`: the faction a pronoun subject refers to (named in an earlier sentence);
 * `place`: the place an "it" or "the city" refers to when the sentence names none (named in an
 * earlier sentence). `cueAt`, when given, receives the token index of the cue behind each
 * entity's change (the caller checks whether it stands inside a quotation).
 */
export function detectChanges(
  text: string,
  tokens: Token[],
  hits: TypedHit[],
  antecedent: TypedHit | null = null,
  place: TypedHit | null = null,
  cueAt?: { set(id: string, at: number): unknown },
): ReadonlyMap<string, ProposedChange[]> {
  // Most calls change nothing (about 4,800 of 6,200 at 10k llm-prose turns): they return the
  // shared empty result, and only a call that changes something takes the scratch map with it.
  const out = scratchOut;
  if (out.size > 0) out.clear();
  current.text = text;
  current.tokens = tokens;
  current.cueAt = cueAt;
  current.story = undefined;
  const anyPlace = hits.some(isControllable);
  if (!anyPlace && place === null) return NO_CHANGE;
  // "Had the Kite Guild seized the Gap, ...": an inverted conditional states nothing.
  if (tokens[0]?.lower === 'had' || tokens[0]?.lower === 'were' || tokens[0]?.lower === 'should') return NO_CHANGE;
  // Token indices of control verbs read here (a status cue there is no status): scratch, never kept.
  const controlVerbAt = scratchControlVerbAt;
  if (controlVerbAt.size > 0) controlVerbAt.clear();
  // Places a "held" without a time gave to its subject (dropSupersededHeld).
  let plainHeld: Set<string> | null = null;
  // Every control change names a faction (actor, gainer or loser): without one, skip the scan.
  const scanControl = hits.some(isFaction) || antecedent !== null;
  for (let i = 0; scanControl && i < tokens.length; i++) {
    if (!CONTROL_CUE_FILTER.mayHave((tokens[i] as Token).lower)) continue; // most words start no cue
    // the longer phrase first: "surrendered quietly to" before the one-word "surrendered"
    let p = phraseWithAdverb(text, tokens, i) ?? matchPhrase(CONTROL_VERBS, tokens, i);
    if (!p) {
      p = matchPhrase(BASE_VERBS, tokens, i);
      if (p && !baseFinite(text, tokens, hits, i)) p = null;
    }
    if (!p) {
      if (OWNED_HEADS.has((tokens[i] as Token).lower)) ownedChange(text, tokens, hits, i, antecedent, place, controlVerbAt, add);
      continue;
    }
    // a phrase with an adverb inside is named without it ("fell instead to" -> "fell to")
    const verb = p.text;
    const after = i + p.keys.length;
    const holding = verb === 'held' || verb === 'hold' || verb === 'holds' || STATE_VERBS.has(verb);
    if (holding && STATE_BEFORE_HELD.has(tokenAt(tokens, i - 1)?.lower ?? '')) continue;
    // "the canal chains held them off", "held it back": a defence, and "them" is no place
    if (holding && OBJECT_PRONOUNS.has(tokens[after]?.lower ?? '') && HOLD_OFF.has(tokens[after + 1]?.lower ?? '')) continue;
    if (
      (verb === 'hold' || verb === 'holds' || STATE_VERBS.has(verb)) &&
      !nowBefore(text, tokens, i) &&
      !byTimeBefore(text, tokens, hits, i) &&
      // "The Tithe holds Lowmarket now": "now" right after the place; "The Emberwrights hold it now"
      !haveNow(text, tokens, hits, i) &&
      !nowAfter(text, tokens, after) &&
      // "the knights hold the Velmoor Highlands from end to end now": later in the clause
      !nowLaterInClause(text, tokens, hits, after) &&
      // "The Court holds Lowmarket no longer": a holding that ends is a change (a loss, in add)
      !negatedAfter(text, tokens, i)
    )
      continue;
    if (verb === 'opened to' && !wordBefore(tokens, i, 'gates', 4)) continue;
    // "Lowmarket answers to the Court" is how things stand; "now answers to", "by spring answered to" a change
    if (ANSWER_VERB_SET.has(verb) && !nowBefore(text, tokens, i) && !byTimeBefore(text, tokens, hits, i)) continue;
    // "claimed that Lowmarket had fallen": a report (hedged), not a claim on the place
    if ((verb === 'claimed' || verb === 'claims') && tokens[after]?.lower === 'that') continue;
    // "The Tithe has Lowmarket now", and "has it now" / "has the town now" for the place named before
    if ((verb === 'has' || verb === 'have') && !haveNow(text, tokens, hits, i) && !nowAfter(text, tokens, after)) continue;
    // "had driven the Corsairs out of Brackwater" (active, like "drove"); "were driven back" is no verb here
    if (verb === 'driven' && !PERFECT_AUX.has(tokenAt(tokens, i - 1)?.lower ?? '')) continue;
    // "whom the Court had driven out of Brackwater": the subject drove them out, and gains the place
    const perfectDrive =
      (verb === 'driven out of' || verb === 'driven from') && PERFECT_AUX.has(tokenAt(tokens, i - 1)?.lower ?? '');
    const kind: VerbKind = perfectDrive ? 'gain' : p.kind;
    if (BANNER_VERBS.has(verb) && !bannerRaised(text, tokens, hits, i, after)) continue;
    if (asked(text, tokens, i) || hypothetical(text, tokens, i)) {
      controlVerbAt.add(i);
      continue;
    }
    // "was seized by", "was finally overrun by", "was seized in the night by", and a participle
    // after a comma or right after its place ("Lowmarket, overrun by Saltmarch raiders").
    const aux = auxBefore(text, tokens, i);
    // one-word verbs and particle verbs ("was won back by", "was taken over by") take an agent
    const oneVerb = p.keys.length === 1 || PARTICLE_VERBS.has(verb);
    const agent = oneVerb ? agentAfter(text, tokens, hits, after, antecedent) : null;
    const prev = tokens[i - 1];
    // "Taken by the Iron Tithe at dawn, Lowmarket ...": a participial clause opening the
    // sentence; its subject is the main clause's, the first place after its closing comma.
    const fronted0 =
      aux < 0 && i === 0 && agent !== null && p.keys.length === 1 ? frontedSubject(text, tokens, hits, agent) : null;
    const reduced =
      fronted0 !== null ||
      (aux < 0 &&
        tokens[after]?.lower === 'by' &&
        !!prev &&
        (punctIn(text, prev.end, (tokens[i] as Token).start, COMMA) || hits.some((h) => h.endTok === i && isControllable(h))));
    const passive = agent !== null && (aux >= 0 || reduced);
    // "held by the Corsairs" is a state; "is now held by the Tithe", "by dusk ruled by" is a change
    if (passive && holding && !nowBefore(text, tokens, i) && !byTimeBefore(text, tokens, hits, aux >= 0 ? aux : i)) {
      controlVerbAt.add(i);
      continue;
    }
    // An agentless passive ("Lowmarket was liberated", "the captains were captured") names no
    // gainer; a loss may still name one after "to" ("Lowmarket was lost to the Tithe").
    const agentless = aux >= 0 && agent === null && oneVerb && p.kind !== 'fell';
    if (p.kind === 'fell' || passive || agentless) {
      const subject = aux >= 0 ? aux : i;
      let target = fronted0 ?? placeSubject(text, tokens, hits, subject);
      // "The Lanterns of Saint Orrin were taken", "Lowmarket's bridge fell": the place only names the subject
      if (target && !fronted0 && placeInSubject(text, tokens, target, subject)) target = null;
      // "Lowmarket and Brackwater fell to the Corsairs", "Both Prismwell and Harrowgate were captured by"
      const subjects = target ? withListBefore(text, tokens, hits, target) : null;
      if (!target) {
        const type = placeSubjectBefore(tokens, subject);
        if (type !== null) target = resolvePlace([], 0, type, place);
      }
      // "The town that fell to the Veiled Court was Harrowgate": the place after the copula
      target ??= placeFocusAfter(text, tokens, hits, subject, after);
      let gainer = passive ? agent : p.kind === 'fell' ? nearest(hits, isFaction, after, 1) : null;
      // "The Order's knights are on the quays; the town has fallen to them": a faction named before in
      // the sentence (before its place: "Harrowgate, which had been the Court's, opened its gates to
      // them" is not the Court), else the one named before it
      if (p.kind === 'fell' && OBJECT_PRONOUNS.has(tokens[after]?.lower ?? ''))
        gainer = nearest(hits, isFaction, target && hits.includes(target) ? target.startTok : subject, -1) ?? antecedent;
      // "fell to the newcomers", "opened its gates to the faithful": the faction named before, unless
      // the description is a named faction's own ("fell to the Tithe's riders")
      else if (p.kind === 'fell' && antecedent && (!gainer || gainer.startTok > after + 3)) {
        const end = groupDescriptionFrom(tokens, after);
        if (end >= 0 && !(gainer && gainer.startTok < end)) gainer = antecedent;
      }
      if (agentless) gainer = p.kind === 'loss' ? factionAfterWord(tokens, hits, 'to', after) : null;
      // Not marked as a verb when nothing is proposed: "Lowmarket was secured" is still a status cue.
      if (!target || !gainer || isNegated(text, tokens, i) || (aux >= 0 && isNegated(text, tokens, aux))) continue;
      controlVerbAt.add(i);
      const loser = p.kind === 'gain' || p.kind === 'fell' ? factionAfterWord(tokens, hits, 'from', after) : null;
      if (p.kind === 'loss' && !agentless) addControl(subjects ?? [target], null, gainer, verb, i);
      else {
        const places = subjects ?? [target];
        // "Brackwater and Lowmarket fell to the Corsairs and the Tithe respectively": place by place
        const gainers = places.length > 1 && respectively(tokens) ? factionsListedAfter(text, tokens, hits, gainer) : null;
        if (gainers && gainers.length === places.length)
          for (let k = 0; k < places.length; k++) addControl([places[k] as TypedHit], gainers[k] as TypedHit, null, verb, i);
        else addControl(places, gainer, loser && loser !== gainer ? loser : null, verb, i);
      }
      continue;
    }
    // "The faction that seized Lowmarket was the Iron Tithe": the actor is the copula's focus.
    const actor =
      relativeFocus(text, tokens, hits, i, after) ??
      cleftFocus(tokens, hits, i) ??
      actorOf(text, tokens, hits, i, antecedent, p.kind === 'gain');
    // "as the rumours claimed, who seized Brackwater": a verb with a clause break right after it has
    // no object after it (an object relative's stands before: "Harrowgate, which the Court now holds,")
    const breakAfter = punctIn(text, (tokens[after - 1] as Token).end, tokens[after]?.start ?? text.length, CLAUSE_PUNCT);
    // "drove the Corsairs out of Brackwater": the object is the loser, the place follows "out of".
    let objectAt = after;
    let driven: TypedHit | null = null;
    let implicit = false; // "drove them out": out of the place named before
    const drive = DRIVE_VERBS.has(verb);
    if (drive) {
      // "drove the Corsairs out of Brackwater", "ousted the Court from Lowmarket", "drove them out"
      let k = after;
      while (k < after + 5 && k < tokens.length && !DRIVE_PARTICLES.has(tokens[k]?.lower ?? '')) k++;
      const particle = tokens[k]?.lower;
      if (particle === undefined || !DRIVE_PARTICLES.has(particle)) continue;
      driven = OBJECT_PRONOUNS.has(tokens[after]?.lower ?? '') ? antecedent : nearest(hits, isFaction, after, 1);
      if (driven && driven.startTok >= k) driven = null;
      // "The Tithe met the Emberwrights ...; the Tithe had driven them off": nobody drives itself out,
      // so "them" is the other faction named before
      if (driven && actor && driven.entityId === actor.entityId)
        driven = nearest(hits, (h) => isFaction(h) && h.entityId !== actor.entityId, i, -1);
      implicit = particle === 'out' && tokens[k + 1]?.lower !== 'of';
      objectAt = particle !== 'out' || implicit ? k + 1 : k + 2;
    }
    // "lost it to", "took the town from": a pronoun or place noun for a place named before.
    // A reference that resolves to nothing ("seized the city gates of Lowmarket") falls back to the place after.
    const refPlace = implicit ? { end: objectAt, type: '' } : placeReferenceAt(tokens, objectAt);
    let resolved = refPlace ? resolvePlace(hits, i, refPlace.type, place) : null;
    // "Old Vell hid the Ember Crown in Lowmarket, and the Tithe took it": the thing, not the place
    if (resolved && !implicit && tokens[objectAt]?.lower === 'it' && resolved.endTok <= i && hits.includes(resolved)) {
      if (thingBesidePlace(text, tokens, hits, resolved)) continue;
    }
    // "took them" stands for people ("The Masks took them gladly") unless a plural place name stands
    // before it in the sentence ("stormed across the Ashen Plains and took them from the Tithe")
    if (resolved && !implicit && tokens[objectAt]?.lower === 'them' && !pluralNameIn(tokens, hits, resolved)) resolved = null;
    const ref = resolved ? refPlace : null;
    let target = resolved ?? (implicit || breakAfter ? null : nearest(hits, isControllable, objectAt, 1));
    // "lost three kites to Emberwright flak over the Sunder Pass", "took a dozen barges from
    // Brackwater": the object is a counted thing, and the place only where it happened.
    if (!ref && !implicit && target && countedObject(text, tokens, objectAt, target.startTok)) continue;
    // "seized the old bridge below Harrowgate", "took High Marshal Thane prisoner at the ford below
    // Duskmere", "took shelter in ...": the object is another thing, and the place only where it stands.
    if (!ref && !implicit && target && objectBesidePlace(text, tokens, hits, objectAt, target.startTok)) continue;
    // "Each spring the Corsairs take Brackwater's harbour tolls": the place owns the object
    if (
      !ref &&
      !implicit &&
      target &&
      target.startTok - objectAt <= (tokens[objectAt]?.lower === 'the' ? 1 : 0) &&
      possessorOfObject(text, tokens, target)
    )
      continue;
    // "Lowmarket, which the Iron Tithe seized at dawn", "It was Lowmarket that the Tithe took": a
    // verb with no place right after it takes the place before "which/that <its actor>".
    const fronted =
      !ref &&
      !implicit &&
      (!holding || tokenAt(tokens, i - 1)?.lower === 'now' || byTimeBefore(text, tokens, hits, i)) &&
      (!target || target.startTok > objectAt + 1)
        ? objectRelativePlace(tokens, hits, actor, i)
        : null;
    if (fronted) target = fronted;
    if (!target) continue;
    if (drive && !ref && target.startTok > objectAt + 1) continue;
    if ((verb === 'made' || verb === 'makes') && !ownComplement(tokens, ref ? ref.end : target.endTok)) continue;
    if (ENTRY_VERBS.has(verb) && (fronted || !unopposedAfter(text, tokens, ref ? ref.end : target.endTok))) continue;
    if (
      DIRECT_OBJECT_ONLY.has(verb) &&
      !ref &&
      !fronted &&
      target.startTok !== objectAt &&
      !(tokens[objectAt]?.lower === 'the' && target.startTok === objectAt + 1)
    )
      continue;
    if (holding && !ref && target.startTok > after + 1) continue; // "held out against", not "held Lowmarket"
    // "The Court held Lowmarket for a century": held for a span of time is how things stood
    if (
      holding &&
      tokens[ref ? ref.end : target.endTok]?.lower === 'for' &&
      SPANS.has(tokens[(ref ? ref.end : target.endTok) + 1]?.lower ?? '')
    )
      continue;

    if (kind === 'gain' && !actor) continue; // "secured" without a faction is a status cue, below
    if (isNegated(text, tokens, i)) {
      controlVerbAt.add(i);
      continue;
    }
    controlVerbAt.add(i);
    const targets = ref
      ? [target]
      : fronted
        ? withListBefore(text, tokens, hits, target)
        : withListAfter(text, tokens, hits, target);
    const lastEnd = ref ? ref.end : fronted ? after : (targets[targets.length - 1] as TypedHit).endTok;
    if (kind === 'gain') {
      const loser =
        driven ?? factionAfterWord(tokens, hits, 'from', lastEnd) ?? (perfectDrive ? relativeHead(tokens, hits, actor) : null);
      // "While the Guild squabbled, it retook Cinderhold from the Guild": nobody takes a place from
      // itself, so a pronoun subject is the faction named before.
      const gainer =
        loser && actor?.entityId === loser.entityId && antecedent && subjectReferenceBefore(tokens, i, antecedent)
          ? antecedent
          : actor;
      // "The Corsairs and the Tithe took Brackwater and Lowmarket respectively": place by place
      const actors =
        targets.length > 1 && gainer && respectively(tokens) ? factionsListedBefore(text, tokens, hits, gainer) : null;
      // "The Corsairs and the Iron Tithe (between them) took Lowmarket": a joint subject names no one
      // gainer; proposing the nearer one would be half wrong
      const joint =
        !actors &&
        gainer !== null &&
        hits.includes(gainer) &&
        i - gainer.endTok <= 2 &&
        !punctIn(text, (tokens[gainer.endTok - 1] as Token).end, (tokens[i] as Token).start, CLAUSE_PUNCT) &&
        factionsListedBefore(text, tokens, hits, gainer).length > 1;
      if (actors && actors.length === targets.length)
        for (let k = 0; k < targets.length; k++) addControl([targets[k] as TypedHit], actors[k] as TypedHit, loser, verb, i);
      else if (!joint) addControl(targets, gainer, loser, verb, i);
      // "took Cinderhold from the Guild and Harrowgate from the Order"
      if (loser && !driven)
        for (const [t, l] of gappedPairs(tokens, hits, loser.endTok, 'from')) addControl([t], gainer, l, verb, i);
      // "The Kite Guild held Lowmarket, which the Tithe took at dusk": with no time, "held" may be how things stood
      if (verb === 'held' && tokenAt(tokens, i - 1)?.lower !== 'now' && !byTimeBefore(text, tokens, hits, i))
        for (const t of targets) (plainHeld ??= new Set()).add(t.entityId);
    } else {
      const gainer =
        factionAfterWord(tokens, hits, 'to', lastEnd) ??
        // "had been driven out of Brackwater by the Iron Tithe"
        (EXPULSIONS.has(verb) ? agentAfter(text, tokens, hits, lastEnd, antecedent) : null) ??
        (tokens[lastEnd]?.lower === 'to' && OBJECT_PRONOUNS.has(tokens[lastEnd + 1]?.lower ?? '') ? antecedent : null);
      if (!actor && !gainer) continue;
      // "gave Lowmarket to the Tithe": a transfer names its receiver, else it is no loss ("gave Lowmarket a charter")
      if (TRANSFER_VERBS.has(verb) && !gainer) continue;
      addControl(targets, gainer, actor, verb, i);
      // "lost Cinderhold to the Tithe, Harrowgate to the Court, and the Sunder Gap to the Guild"
      if (gainer && gainer !== antecedent)
        for (const [t, g] of gappedPairs(tokens, hits, gainer.endTok, 'to')) addControl([t], g, actor, verb, i);
    }
  }
  // "The forest is the Court's now": a faction's possessive as the predicate of a place
  if (scanControl)
    for (let k = 0; k < hits.length; k++) {
      const h = hits[k] as TypedHit; // indexed, as in nearest
      if (isFaction(h) && !controlVerbAt.has(h.endTok)) possessivePredicate(text, tokens, hits, h, place, controlVerbAt, add);
    }
  for (let i = 0; (anyPlace || place !== null) && i < tokens.length; i++) {
    // "burned Saint Orrin to the ground", "reduced Cinderhold to rubble": the place between the verb and its result
    const split = RESULT_VERBS.has((tokens[i] as Token).lower) ? resultativeTargets(text, tokens, hits, i) : null;
    if (split) {
      if (!imperativeCue(tokens, i) && !isNegated(text, tokens, i) && !asked(text, tokens, i) && !hypothetical(text, tokens, i))
        for (const t of split.places) add(t.entityId, { kind: 'status', field: 'status', to: 'devastated', cue: split.cue }, i);
      continue;
    }
    const p = matchPhrase(STATUS_CUES, tokens, i) ?? ruinField(tokens, i);
    if (!p || controlVerbAt.has(i)) continue;
    // "the Order of the Pale Star once burned Saint Orrin": history, not what happens now
    if (HISTORY_BEFORE.has(tokenAt(tokens, i - 1)?.lower ?? '')) continue;
    // "the Ashen Steppe is still a wasteland", "Lowmarket remains under siege": how things stand
    if (statusContinues(tokens, i)) continue;
    if (p.keys[0] === 'threatened' && tokens[i + 1]?.lower === 'to') continue; // "threatened to seize" is a verb
    if (isNegated(text, tokens, i) || imperativeCue(tokens, i)) continue;
    const aux = auxBefore(text, tokens, i);
    const before = placeSubject(text, tokens, hits, aux >= 0 ? aux : i);
    const after = nearest(hits, isControllable, i + p.keys.length, 1);
    let dBefore = before ? i - before.endTok : Number.POSITIVE_INFINITY;
    const dAfter = after ? after.startTok - (i + p.keys.length) : Number.POSITIVE_INFINITY;
    if (before && dBefore > MAX_STATUS_DISTANCE && parentheticalBetween(text, tokens, before, i)) dBefore = 1;
    // "..., though Cinderhold was spared": a place after a comma is another clause's when one stands before.
    const commaAfter =
      !!after && punctIn(text, (tokens[i + p.keys.length - 1] as Token).end, (tokens[after.startTok] as Token).start, COMMA);
    const target = dBefore <= dAfter || (commaAfter && dBefore <= MAX_STATUS_DISTANCE) ? before : after;
    if (!target || Math.min(dBefore, dAfter) > MAX_STATUS_DISTANCE) {
      // "their lines now encircle the city", "the town was besieged": a reference next to the cue
      // stands for the place named before (in the sentence, else the scene's)
      const referred = referredStatusPlace(tokens, hits, i, i + p.keys.length, aux, place);
      if (referred) {
        if (asked(text, tokens, i) || hypothetical(text, tokens, i)) continue;
        add(referred.entityId, { kind: 'status', field: 'status', to: p.kind, cue: p.text }, i);
      }
      continue;
    }
    // "Brackwater has been encircled": the place before the perfect's "has" is next to it too
    const auxFrom = aux > 0 && PERFECT_AUX.has((tokens[aux - 1] as Token).lower) ? aux - 1 : aux;
    if (
      ADJACENT_STATUS.has(p.text) &&
      !(target === after ? dAfter <= 1 : aux >= 0 && (target.endTok === aux || target.endTok === auxFrom)) &&
      !(target === before && burnedIntransitive(text, tokens, target, i))
    )
      continue;
    // "Brackwater is ringed by cliffs", "surrounded by marshes": scenery, not a siege
    if (
      p.kind === 'threatened' &&
      ADJACENT_STATUS.has(p.text) &&
      target === before &&
      aux >= 0 &&
      sceneryAfter(tokens, hits, i + p.keys.length)
    )
      continue;
    // "the ruined chapel outside Saint Orrin": the cue describes a thing beside the place
    if (target === after && cueBesidePlace(text, tokens, i + p.keys.length, after.startTok)) continue;
    // "The granaries of Lowmarket were burned": a belonging of the place burned, not the place
    if (target === before && p.kind === 'devastated' && devastationBesidePlace(text, tokens, before, aux >= 0 ? aux : i))
      continue;
    if (asked(text, tokens, i) || hypothetical(text, tokens, i)) continue;
    const targets = target === before ? withListBefore(text, tokens, hits, target) : withListAfter(text, tokens, hits, target);
    for (const t of targets) add(t.entityId, { kind: 'status', field: 'status', to: p.kind, cue: p.text }, i);
  }
  if (plainHeld) for (const id of plainHeld) dropSupersededHeld(out, id);
  if (scanControl) nominalChanges(text, tokens, hits, out, add);
  if (anyPlace) nominalSieges(text, tokens, hits, out, add);
  if (out.size > 0 && hits.length > 1) echoedChanges(text, tokens, hits, out, add);
  if (out.size === 0) return NO_CHANGE;
  scratchOut = new Map();
  return out;
}
/**
 * The place a reference right next to the status cue from `at` to `end` stands for: "encircle the
 * city" (the place noun right after), "the town was besieged", "it lies in ruins" (a subject
 * reference before the cue or its auxiliary `aux`); null when there is none.
 */
function referredStatusPlace(
  tokens: Token[],
  hits: TypedHit[],
  at: number,
  end: number,
  aux: number,
  place: TypedHit | null,
): TypedHit | null {
  const ref = placeReferenceAt(tokens, end);
  if (ref && !OBJECT_PRONOUNS.has(tokens[end]?.lower ?? '')) return resolvePlace(hits, at, ref.type, place);
  const type = placeSubjectBefore(tokens, aux >= 0 ? aux : at);
  return type === null ? null : resolvePlace(hits, aux >= 0 ? aux : at, type, place);
}

/**
 * A plain "held" is the state before the change when the same sentence gives the place to another
 * faction ("The Kite Guild held Lowmarket, which the Iron Tithe took at dusk"): the other change stands.
 */
function dropSupersededHeld(out: Map<string, ProposedChange[]>, id: string): void {
  const list = out.get(id);
  if (!list) return;
  const held = list.find((c) => c.kind === 'control' && c.verb === 'held');
  if (!held || !list.some((c) => c.kind === 'control' && c.verb !== 'held' && c.to !== held.to)) return;
  out.set(
    id,
    list.filter((c) => c !== held),
  );
}
