/**
 * Whether the words between a verb (or a status cue) and the place after it make that place a mere
 * location: the verb took a ship, a bridge, a prisoner or shelter, and the place only says where.
 * Clause-level, not phrase-level: it reads what fills the object slot, whatever the verb.
 */
import type { Token } from '../text/tokens.js';
import {
  BESIDE_PREPOSITIONS,
  CAPTIVE_WORDS,
  CLAUSE_BREAK,
  CONTROL_NOUNS,
  COUNT_WORDS,
  DETERMINERS,
  IDIOM_OBJECTS,
  PLACE_PARTS,
  PLACE_PREPOSITIONS,
  POSSESSIVES,
  THING_TYPES,
} from './change-vocabulary.js';
import { PLACE_NOUNS } from './place-references.js';
import { CLAUSE_PUNCT, EM_DASH, punctIn } from './token-gaps.js';

interface SpanHit {
  entityType: string;
  startTok: number;
  endTok: number;
}

/** "the", "a", "an", "those", "its", "their", "his", "her": the words that may open a noun phrase. */
const OPENERS = new Set([...DETERMINERS, ...POSSESSIVES, 'a', 'an', 'his', 'her']);

/**
 * The verb's object, from token `at`, is something other than the place at `placeAt`:
 * - a named person or thing ("took High Marshal Thane prisoner at the ford below Duskmere",
 *   "seized the Drowned Bell from the chapel at Brackwater", "captured the Masks' treasurer in Lowmarket");
 * - an idiom's noun ("took shelter in the chapel at Saint Orrin", "took the road to Harrowgate");
 * - a common noun that a preposition places at, in or beside the place ("the old bridge below
 *   Harrowgate", "heavy losses at Lowmarket", "the grain barges bound for Lowmarket"), unless it is
 *   one of the place's own parts ("the docks at Brackwater", "the gates of Lowmarket");
 * - a common noun whose clause ends before the place ("seized the moment and marched on Lowmarket").
 * "took control of" reads the object after "of" ("took control of the bridge at Lowmarket"); "seized
 * power in" takes the place.
 */
export function objectBesidePlace(text: string, tokens: Token[], hits: readonly SpanHit[], at: number, placeAt: number): boolean {
  if (placeAt <= at) return false;
  let head = OPENERS.has(tokens[at]?.lower ?? '') ? at + 1 : at;
  for (const h of hits) {
    if (h.startTok !== head || h.endTok > placeAt) continue;
    if (THING_TYPES.has(h.entityType)) return true;
    // "the Masks' treasurer": a possessor opens the object; its head noun follows
    const end = (tokens[h.endTok - 1] as Token).end;
    const c = text.charCodeAt(end);
    if (c === 39 || c === 0x2019) head = h.endTok;
    break;
  }
  if (head >= placeAt) return false;
  const w = (tokens[head] as Token).lower;
  if (IDIOM_OBJECTS.has(w)) return true;
  if (CONTROL_NOUNS.has(w)) {
    const next = tokens[head + 1]?.lower;
    if (next === 'of') return head + 2 < placeAt && objectBesidePlace(text, tokens, hits, head + 2, placeAt);
    // "seized power in Lowmarket", "took control over the Fens"
    if (next === 'in' || next === 'over') return false;
  }
  return locatedNoun(text, tokens, head, placeAt);
}

/**
 * Lower-case words from `from` up to the place at `placeAt`, then: a captive word ("took the
 * Marshal prisoner"), a preposition after a noun that is no part of a place, a beside-preposition
 * after any noun, or "and"/"or" opening another verb's clause.
 */
function locatedNoun(text: string, tokens: Token[], from: number, placeAt: number): boolean {
  let part = false;
  for (let k = from; k < placeAt; k++) {
    const t = tokens[k] as Token;
    if (k > from && punctIn(text, (tokens[k - 1] as Token).end, t.start, CLAUSE_PUNCT | EM_DASH)) return false;
    if (CAPTIVE_WORDS.has(t.lower)) return true;
    if (t.lower === 'and' || t.lower === 'or') return k > from && anotherClause(tokens, k + 1, placeAt);
    if (CLAUSE_BREAK.has(t.lower)) return false;
    if (BESIDE_PREPOSITIONS.has(t.lower)) return k > from;
    // "two of the Court's towns, Lowmarket and Harrowgate": a partitive "of" counts the places themselves
    if (t.lower === 'of' && k > from && PARTITIVES.has((tokens[k - 1] as Token).lower)) return false;
    if (PLACE_PREPOSITIONS.has(t.lower) || t.lower === 'of' || t.lower === 'for') return k > from && !part;
    if (t.cap) return false;
    if (PLACE_PARTS.has(t.lower) || PLACE_NOUNS.has(t.lower)) part = true;
  }
  return false;
}

/** The word at `k` (before the place at `placeAt`) opens a clause of its own: a lower-case word that is no list glue ("and marched on"). */
function anotherClause(tokens: Token[], k: number, placeAt: number): boolean {
  if (k >= placeAt) return false;
  const t = tokens[k] as Token;
  return !t.cap && !OPENERS.has(t.lower) && !LIST_WORDS.has(t.lower);
}

/** Words before a partitive "of": the object is some of the places named after it. */
const PARTITIVES = new Set([
  ...COUNT_WORDS,
  'both',
  'all',
  'some',
  'each',
  'most',
  'any',
  'either',
  'last',
  'first',
  'rest',
  'half',
]);

/** Words that may follow "and" inside a list of objects ("the bridge and then Harrowgate", "and also the Fens"). */
const LIST_WORDS = new Set(['then', 'also', 'finally', 'even', 'later', 'afterwards', 'soon']);

/**
 * Lower-case words from `from` up to `placeAt`, one clause (no clause punctuation or clause break),
 * with a beside-preposition after at least one of them.
 */
function nounBeside(text: string, tokens: Token[], from: number, placeAt: number): boolean {
  for (let k = from; k < placeAt; k++) {
    const t = tokens[k] as Token;
    if (k > from && punctIn(text, (tokens[k - 1] as Token).end, t.start, CLAUSE_PUNCT | EM_DASH)) return false;
    if (CLAUSE_BREAK.has(t.lower)) return false;
    if (BESIDE_PREPOSITIONS.has(t.lower)) return k > from;
    if (t.cap) return false;
  }
  return false;
}

/**
 * The place hit `place`, right after the verb, owns the verb's object: "take Brackwater's harbour
 * tolls", "captured Harrowgate's commander". A part of the place stays a taking of it ("seized
 * Lowmarket's river gate", "took Harrowgate's walls").
 */
export function possessorOfObject(text: string, tokens: Token[], place: SpanHit): boolean {
  const c = text.charCodeAt((tokens[place.endTok - 1] as Token).end);
  if (c !== 39 && c !== 0x2019) return false;
  // the object's head is its last word: "harbour tolls" are tolls, "river gate" is a gate
  let head = '';
  for (let k = place.endTok; k < tokens.length && k < place.endTok + POSSESSED_WORDS; k++) {
    const t = tokens[k] as Token;
    if (k > place.endTok && punctIn(text, (tokens[k - 1] as Token).end, t.start, CLAUSE_PUNCT | EM_DASH)) break;
    if (t.cap || CLAUSE_BREAK.has(t.lower) || PLACE_PREPOSITIONS.has(t.lower) || t.lower === 'of' || t.lower === 'by') break;
    head = t.lower;
  }
  return head !== '' && !PLACE_PARTS.has(head) && !PLACE_NOUNS.has(head);
}

/** How many words after a place's possessive are read as the object it owns. */
const POSSESSED_WORDS = 4;

/**
 * A status cue ending before token `end` that describes a noun set beside the place at `placeAt`,
 * not the place: "the ruined chapel outside Saint Orrin", "burned farms near Lowmarket".
 */
export function cueBesidePlace(text: string, tokens: Token[], end: number, placeAt: number): boolean {
  return nounBeside(text, tokens, end, placeAt);
}

/**
 * The place `place` found as a passive or fall verb's subject only names the subject's owner or
 * its "of": "The Lanterns of Saint Orrin were taken", "The Battle of Lowmarket was won by",
 * "Lowmarket's bridge fell". A part of the place stays the place ("The gates of Lowmarket fell",
 * "the city of Lowmarket fell", "Harrowgate's walls fell"). `verb`: the first token of the verb group.
 * (A place as a modifier, "The Lowmarket Bridge fell", is left alone: read by the words after the
 * place, it cost held-out recall.)
 */
export function placeInSubject(text: string, tokens: Token[], place: SpanHit, verb: number): boolean {
  const c = text.charCodeAt((tokens[place.endTok - 1] as Token).end);
  if ((c === 39 || c === 0x2019) && place.endTok < verb) {
    const head = tokens[verb - 1] as Token;
    return !PLACE_PARTS.has(head.lower) && !PLACE_NOUNS.has(head.lower) && !head.cap;
  }
  let of = place.startTok - 1;
  if (tokens[of]?.lower === 'the') of--;
  if (of < 1 || tokens[of]?.lower !== 'of') return false;
  const head = tokens[of - 1] as Token;
  return (
    !PLACE_PARTS.has(head.lower) &&
    !PLACE_NOUNS.has(head.lower) &&
    !PARTITIVES.has(head.lower) &&
    !POSSESSION_NOUNS.has(head.lower)
  );
}

/**
 * Parts that stand for the whole place when they are laid waste: "the streets of Lowmarket were
 * burned", "the heart of Harrowgate lay in ruins". Other parts and belongings burn alone ("the
 * granaries of Lowmarket were burned", "Brackwater's docks burned"): the town is not devastated.
 */
const WHOLE_PARTS = new Set(
  'streets street houses homes roofs rooftops heart centre center whole rest most half quarters districts buildings city town'.split(
    ' ',
  ),
);

/**
 * The place `place` before a devastation cue (verb group from token `verb`) only owns or is
 * beside the cue's subject: "The granaries of Lowmarket were burned", "Lowmarket's mills burned",
 * "The barns outside Lowmarket were burned". Parts that stand for the whole stay the place
 * (WHOLE_PARTS), as does "the city of Lowmarket".
 */
export function devastationBesidePlace(text: string, tokens: Token[], place: SpanHit, verb: number): boolean {
  const c = text.charCodeAt((tokens[place.endTok - 1] as Token).end);
  if ((c === 39 || c === 0x2019) && place.endTok < verb) {
    const head = tokens[verb - 1] as Token;
    return !head.cap && !WHOLE_PARTS.has(head.lower) && !PLACE_NOUNS.has(head.lower);
  }
  let link = place.startTok - 1;
  if (tokens[link]?.lower === 'the') link--;
  if (link < 1) return false;
  const w = (tokens[link] as Token).lower;
  if (w !== 'of' && !BESIDE_PREPOSITIONS.has(w)) return false;
  const head = tokens[link - 1] as Token;
  if (head.cap || punctIn(text, head.end, (tokens[link] as Token).start, CLAUSE_PUNCT | EM_DASH)) return false;
  if (w !== 'of') return !PLACE_NOUNS.has(head.lower);
  return !WHOLE_PARTS.has(head.lower) && !PLACE_NOUNS.has(head.lower) && !PARTITIVES.has(head.lower);
}

/**
 * Nouns that name holding a place: "control of Harrowgate passed to", "command of Lowmarket fell
 * to" change the place itself, unlike an owner "of" it ("the Mayor of Lowmarket was taken").
 */
const POSSESSION_NOUNS = new Set([
  'control',
  'command',
  'possession',
  'mastery',
  'ownership',
  'rule',
  'lordship',
  'custody',
  'stewardship',
  'governance',
  'dominion',
  'hold',
  'charge',
]);
