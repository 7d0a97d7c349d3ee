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
  DETERMINERS,
  IDIOM_OBJECTS,
  POSSESSIVES,
  THING_TYPES,
} from './change-vocabulary.js';
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
 *   "seized the Drowned Bell from the chapel at Brackwater");
 * - an idiom's noun ("took shelter in the chapel at Saint Orrin", "took the road to Harrowgate");
 * - a common noun set beside the place ("the old bridge below Harrowgate", "the farms around
 *   Lowmarket", "taken her ... on the Corrin shoals"); "the docks at Brackwater" and "the gates of
 *   Lowmarket" are the place's own parts and stay a taking of it.
 */
export function objectBesidePlace(text: string, tokens: Token[], hits: readonly SpanHit[], at: number, placeAt: number): boolean {
  if (placeAt <= at) return false;
  const head = OPENERS.has(tokens[at]?.lower ?? '') ? at + 1 : at;
  if (head >= placeAt) return false;
  for (const h of hits) if (h.startTok === head && h.endTok <= placeAt && THING_TYPES.has(h.entityType)) return true;
  if (IDIOM_OBJECTS.has((tokens[head] as Token).lower)) return true;
  return nounBeside(text, tokens, head, placeAt, true);
}

/**
 * A status cue ending before token `end` that describes a noun set beside the place at `placeAt`,
 * not the place: "the ruined chapel outside Saint Orrin", "burned farms near Lowmarket".
 */
export function cueBesidePlace(text: string, tokens: Token[], end: number, placeAt: number): boolean {
  return nounBeside(text, tokens, end, placeAt, false);
}

/**
 * Lower-case words from `from` up to `placeAt`, one clause (no clause punctuation or clause break),
 * with a beside-preposition after at least one of them; with `captives`, a captive word after a
 * name counts too ("took the Marshal prisoner").
 */
function nounBeside(text: string, tokens: Token[], from: number, placeAt: number, captives: boolean): boolean {
  for (let k = from; k < placeAt; k++) {
    const t = tokens[k] as Token;
    if (k > from && punctIn(text, (tokens[k - 1] as Token).end, t.start, CLAUSE_PUNCT | EM_DASH)) return false;
    if (CLAUSE_BREAK.has(t.lower)) return false;
    if (captives && CAPTIVE_WORDS.has(t.lower)) return true;
    if (BESIDE_PREPOSITIONS.has(t.lower)) return k > from;
    if (t.cap && !captives) return false;
  }
  return false;
}
