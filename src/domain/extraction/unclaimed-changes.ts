import type { Token } from '../text/tokens.js';
import { hypothetical } from './clause-frames.js';
import type { TypedHit } from './detect-changes.js';
import { CLAUSE_NEGATORS, NEGATION_WORDS } from './hedges.js';
import { PLACE_NOUNS, placeNounAfterThe } from './place-references.js';

/**
 * Unclaimed changes: a place that falls with nobody named as its taker ("Lowmarket fell at
 * dawn.", "Harrowgate was taken in the night.", "Brackwater changed hands"), whose taker the
 * narrator names in the next sentence as its subject ("The Iron Tithe's banners flew from the
 * gate by noon."). Change detection proposes nothing for the first sentence alone (an agentless
 * change names no gainer); extraction keeps it pending and lets the next narrator sentence
 * complete it (extract-entities.ts).
 */

/** Participles of taking that, agentless, leave the taker unnamed ("was taken", "had been overrun"). */
const TAKEN = new Set(
  'taken captured seized overrun stormed conquered occupied retaken recaptured annexed subdued wrested liberated reclaimed won overwhelmed'.split(
    ' ',
  ),
);
/** "was taken", and the get-passive "got taken". */
const PASSIVE_AUX = new Set(['was', 'were', 'is', 'are', 'got', 'gets']);
const PERFECT = new Set(['had', 'has', 'have']);
/** After "fell" these make it no change of hands: "fell silent", "fell to the Tithe" (named), "fell back". */
const NOT_A_FALL_AFTER = new Set(
  'to into under back silent quiet still asleep apart away behind short ill sick dark from upon on off in'.split(' '),
);

/** Times after "by" that name no agent ("was taken by noon"). */
const BY_TIMES = new Set(
  'noon dawn dusk nightfall midnight morning evening night sunset sunrise sundown daybreak midday then the'.split(' '),
);

/** Is token `at` (an agentless participle or "fell") followed by an agent or a taker of its own ("by", "to")? */
function takerNamedAfter(text: string, tokens: Token[], at: number): boolean {
  for (let k = at + 1; k < tokens.length && k <= at + 8; k++) {
    // the clause only: "was taken by noon, and the ferrymen were told to ..." names no taker
    if (/[,;:\u2014]/.test(text.slice((tokens[k - 1] as Token).end, (tokens[k] as Token).start))) return false;
    const w = (tokens[k] as Token).lower;
    if (w === 'to') return true;
    // "by the Tithe", "by them"; not "by noon", "by the time the bells rang"
    if (w === 'by') {
      const next = tokens[k + 1]?.lower ?? '';
      if (!BY_TIMES.has(next) || (next === 'the' && tokens[k + 2]?.lower !== 'time')) return true;
    }
  }
  return false;
}

/**
 * Verbs of approach and attack: a faction whose sentence, right before an unclaimed fall, has it
 * march, attack or besiege is the taker ("The Iron Tithe marched at dawn. Lowmarket was taken by
 * noon."). A closed class on purpose: a faction that "reinforced the walls" was the defender.
 */
const ATTACK_VERBS = new Set(
  (
    'marched march marches attacked attack attacks advanced advance advances struck strike strikes assaulted assault ' +
    'assaults besieged besiege besieges surrounded surround surrounds stormed storm storms charged charge charges ' +
    'poured pour pours swept sweep sweeps descended descend descends landed land lands invaded invade invades'
  ).split(' '),
);

/** Does the sentence have its first faction (the claimant) attack or approach? See ATTACK_VERBS. */
export function attackerOf(text: string, tokens: Token[], hits: readonly TypedHit[]): TypedHit | null {
  const f = claimantOf(text, tokens, hits);
  if (!f) return null;
  for (let k = f.endTok; k < tokens.length && k <= f.endTok + 4; k++) if (ATTACK_VERBS.has((tokens[k] as Token).lower)) return f;
  return null;
}

/**
 * The place of the sentence that changed hands without a taker: "<place> fell/had fallen
 * (at dawn)", "<place> changed hands", "<place> was/had been taken (in the night)" with no
 * "by"/"to" after; null when the sentence has none, or negates, asks or hedges it into the future.
 */
export function unclaimedChange(text: string, tokens: Token[], hits: readonly TypedHit[]): TypedHit | null {
  if (negatedSentence(tokens)) return null;
  for (const h of hits)
    if ((h.entityType === 'settlement' || h.entityType === 'region') && fallsAt(text, tokens, h.endTok)) return h;
  return null;
}

/**
 * "By noon the town was taken.", "Then the keep fell": an unclaimed fall whose subject is a place
 * noun for the place named before. The noun's kind ('settlement' or 'region'), or null.
 */
export function unclaimedReference(text: string, tokens: Token[]): FallReference | null {
  if (negatedSentence(tokens)) return null;
  // "Harrowgate. It fell before noon.": a sentence-initial "it" for the place just named (any kind)
  if (tokens[0]?.lower === 'it' && fallsAt(text, tokens, 1)) return { kind: '', at: 0, toThem: false };
  for (let i = 0; i < tokens.length; i++) {
    if ((tokens[i] as Token).lower !== 'the') continue;
    const k = placeNounAfterThe(tokens, i);
    const kind = k >= 0 ? PLACE_NOUNS.get((tokens[k] as Token).lower) : undefined;
    if (kind && tokens[k + 1]?.lower !== 'of' && fallsAt(text, tokens, k + 1)) return { kind, at: i, toThem: false };
    if (GATES.has(tokens[i + 1]?.lower ?? '')) {
      const toThem = gatesOpenAt(tokens, i + 2);
      if (toThem !== null) return { kind: 'settlement', at: i, toThem };
    }
  }
  return null;
}

/** An unclaimed fall of a place noun: the noun's kind, where its subject starts, and whether it fell "to/before them". */
export interface FallReference {
  /** '' for "it": the latest place, of either kind. */
  kind: 'settlement' | 'region' | '';
  at: number;
  /** "the gates opened before them": the taker is the faction the pronoun means. */
  toThem: boolean;
}

/** After an open gate, words that make it no yield: "the gates opened onto a courtyard". */
const NOT_A_YIELD_AFTER = new Set(['onto', 'into', 'on', 'inward', 'outward', 'wide']);

/**
 * "the gates opened", "the gates are thrown open before them", "the gates swung open at noon": a
 * town's yield, from token `k` (right after "the gates"). Null when not; else whether "to/before/for
 * them" follows (a faction named after "to" is change detection's: null too).
 */
function gatesOpenAt(tokens: Token[], k0: number): boolean | null {
  let k = k0;
  if (PASSIVE_AUX.has(tokens[k]?.lower ?? '')) k++;
  const v = tokens[k]?.lower ?? '';
  if (v === 'open' || v === 'opens' || v === 'opened') k++;
  else if ((v === 'swung' || v === 'swing' || v === 'swings' || v === 'thrown') && tokens[k + 1]?.lower === 'open') k += 2;
  else return null;
  const next = tokens[k]?.lower ?? '';
  if (NOT_A_YIELD_AFTER.has(next)) return null;
  if (next === 'to' || next === 'before' || next === 'for') {
    const who = tokens[k + 1]?.lower ?? '';
    if (who === 'them') return true;
    if (next === 'to') return null;
  }
  return false;
}

function negatedSentence(tokens: Token[]): boolean {
  // "fell without a fight" is still a fall
  for (const t of tokens) if ((NEGATION_WORDS.has(t.lower) && t.lower !== 'without') || CLAUSE_NEGATORS.has(t.lower)) return true;
  return false;
}

const GATE_OWNERS = new Set(['its', 'their', 'the']);
const GATES = new Set(['gates', 'gate']);

/** Surrendering with nobody named to surrender to ("the town had surrendered by noon"). */
const YIELDED = new Set(['surrendered', 'surrenders', 'capitulated', 'capitulates', 'yielded', 'yields']);

/** Do the words from token `k` (right after a place subject) tell it changed hands with no taker named? */
function fallsAt(text: string, tokens: Token[], k0: number): boolean {
  let k = k0;
  const w = tokens[k]?.lower ?? '';
  if (w === 'changed' && tokens[k + 1]?.lower === 'hands') return true;
  if (PERFECT.has(w)) k++;
  // "Lowmarket has changed hands", "had changed hands in the night"
  if (k > k0 && tokens[k]?.lower === 'changed' && tokens[k + 1]?.lower === 'hands') return true;
  const v = tokens[k]?.lower ?? '';
  if ((v === 'fell' || v === 'fallen' || v === 'falls') && !NOT_A_FALL_AFTER.has(tokens[k + 1]?.lower ?? ''))
    return !takerNamedAfter(text, tokens, k);
  if (YIELDED.has(v)) return !takerNamedAfter(text, tokens, k);
  // "the town opened its gates without a fight": a yield with nobody named to open them to
  if ((v === 'opened' || v === 'opens') && GATE_OWNERS.has(tokens[k + 1]?.lower ?? '') && GATES.has(tokens[k + 2]?.lower ?? ''))
    return !takerNamedAfter(text, tokens, k + 2);
  // "was taken", "had been overrun"
  let p = k0;
  if (PASSIVE_AUX.has(tokens[p]?.lower ?? '')) p++;
  else if (PERFECT.has(tokens[p]?.lower ?? '') && tokens[p + 1]?.lower === 'been') p += 2;
  else return false;
  return TAKEN.has(tokens[p]?.lower ?? '') && !takerNamedAfter(text, tokens, p);
}

/** Verbs of the losing side or of a state: their subject did not take the place ("The Kite Guild fled"). */
const NOT_A_TAKER = new Set(
  (
    'fled flee flees retreated retreat retreats withdrew withdraw withdraws defended defend defends held hold holds ' +
    'lost lose loses surrendered escaped abandoned mourned failed lamented counted fell regrouped begged sued ' +
    'garrison defenders survivors remnants refugees'
  ).split(' '),
);

/**
 * The faction the sentence after an unclaimed change names as its subject: its first faction,
 * standing at the sentence start (after "The") or right after an opening phrase and its comma
 * ("By noon, the Iron Tithe's banners ..."); null when the sentence negates, asks, looks ahead, or
 * has the subject fleeing, defending or holding (that is the side that lost it).
 */
export function claimantOf(text: string, tokens: Token[], hits: readonly TypedHit[]): TypedHit | null {
  const f = hits.find((h) => h.entityType === 'faction');
  if (!f) return null;
  // "The blow was struck by the Order of Thal": the agent of the deed that took it
  const agent = deedAgent(text, tokens, hits);
  if (agent) return agent;
  const start = tokens[f.startTok - 1]?.lower === 'the' ? f.startTok - 1 : f.startTok;
  const before = tokens[start - 1];
  // "By the Saltmarch Corsairs, if the gulls mean anything.": an answer naming the agent, the phrase alone before a break
  const fragment =
    (start === 1 || start === 2) &&
    (tokens[0]?.lower === 'by' || tokens[0]?.lower === 'to') &&
    (f.endTok === tokens.length || /^[^\p{L}\p{N}]*[,;:.!\u2014]/u.test(text.slice((tokens[f.endTok - 1] as Token).end)));
  const atStart =
    start === 0 || fragment || (start <= 6 && !!before && commaIn(text, before.end, (tokens[start] as Token).start));
  if (!atStart || text.includes('?')) return null;
  // the subject's clause: to the first clause mark after the faction ("..., and nobody dared ask" is another)
  let end = f.endTok;
  while (end < tokens.length && !clauseMarkIn(text, (tokens[end - 1] as Token).end, (tokens[end] as Token).start)) end++;
  // "The Corsair hulks burning at their moorings", "the Order's wagons burning": a faction's things
  // lost in the fall (the faction as their modifier or possessor) name no taker
  const ownThings = possessorOrModifier(text, tokens, f);
  for (let i = 0; i < end; i++) {
    const t = tokens[i] as Token;
    if (
      (ownThings && i > f.endTok && LOSS_WORDS.has(t.lower)) ||
      NOT_A_TAKER.has(t.lower) ||
      NEGATION_WORDS.has(t.lower) ||
      CLAUSE_NEGATORS.has(t.lower) ||
      t.lower === 'will' ||
      t.lower === 'shall' ||
      t.lower === 'if'
    )
      return null;
  }
  return f;
}

/** A comma in text[from, to): read in place, where a slice made a string per gap. */
function commaIn(text: string, from: number, to: number): boolean {
  const at = text.indexOf(',', from);
  return at >= 0 && at < to;
}

/** One of , ; : — in text[from, to) (no en dash, unlike token-gaps' EM_DASH): read in place, no slice per gap. */
function clauseMarkIn(text: string, from: number, to: number): boolean {
  for (let p = from; p < to; p++) {
    const c = text.charCodeAt(p);
    if (c === 44 || c === 59 || c === 58 || c === 0x2014) return true;
  }
  return false;
}

/** What befalls things lost: "burning", "sank", "wrecked", "lay abandoned". */
const LOSS_WORDS = new Set(
  'burning burned burnt burn burns aflame ablaze afire smouldering smoldering sinking sank sunk sink sinks wrecked broken shattered scattered overturned capsized gutted'.split(
    ' ',
  ),
);

/**
 * Is the faction hit `f` a noun modifier ("the Corsair hulks") or a possessor ("the Order's
 * wagons") of a lower-case noun after it, so the clause's subject is that noun, not the faction?
 */
function possessorOrModifier(text: string, tokens: Token[], f: TypedHit): boolean {
  const next = tokens[f.endTok];
  if (next === undefined || next.cap) return false;
  const from = (tokens[f.endTok - 1] as Token).end;
  const c = text.charCodeAt(from);
  // "the Order's wagons", "the Corsairs' ships" (read in place, no slice)
  if (c === 39 || c === 0x2019) return next.start - from <= 3;
  // "the Corsair hulks": a plural noun right after a singular name ("the Corsairs sank" is the faction)
  return (
    next.start === from + 1 &&
    c === 32 &&
    !(tokens[f.endTok - 1] as Token).lower.endsWith('s') &&
    PLURAL_NOUN.test(next.lower) &&
    !NOT_NOUNS.has(next.lower)
  );
}
const PLURAL_NOUN = /^[a-z]{2,}[^s]s$/;
/** Words ending like a plural that are verbs after a name ("the Tithe was", "the Tithe sets ... burning"). */
const NOT_NOUNS = new Set(['was', 'has', 'does', 'goes', 'sets', 'leaves', 'lets', 'keeps', 'makes']);

/** Nouns for the deed that took a place: "the blow", "the attack", "the whole thing". */
const DEED_NOUNS = new Set('blow attack assault strike raid stroke coup deed work landing victory conquest'.split(' '));
/** Participles that tell who did the deed: "was struck by", "was led by", "was the work of" is not read. */
const DEED_VERBS = new Set('struck dealt led delivered made done planned carried won'.split(' '));

/**
 * "The blow was struck by the Order of Thal", "The attack was led by the Iron Tithe": a sentence
 * opening with its deed (the/that/this, up to one modifier, a deed noun) done by a faction: that
 * faction, else null. Negated, asked or future sentences name nobody.
 */
function deedAgent(text: string, tokens: Token[], hits: readonly TypedHit[]): TypedHit | null {
  const w0 = tokens[0]?.lower ?? '';
  if (w0 !== 'the' && w0 !== 'that' && w0 !== 'this') return null;
  let k = 1;
  if (!DEED_NOUNS.has(tokens[k]?.lower ?? '')) k++;
  if (!DEED_NOUNS.has(tokens[k]?.lower ?? '')) return null;
  k++;
  if (tokens[k]?.lower !== 'was' && tokens[k]?.lower !== 'had') return null;
  if (tokens[k]?.lower === 'had' && tokens[k + 1]?.lower === 'been') k++;
  if (!DEED_VERBS.has(tokens[k + 1]?.lower ?? '') || tokens[k + 2]?.lower !== 'by') return null;
  const at = tokens[k + 3]?.lower === 'the' ? k + 4 : k + 3;
  // "was struck by the Iron Tithe long ago", "would be struck": history or a plan names no taker now
  if (text.includes('?') || hypothetical(text, tokens, k + 1)) return null;
  return hits.find((h) => h.entityType === 'faction' && h.startTok === at) ?? null;
}
