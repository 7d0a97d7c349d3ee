/**
 * Times that make a stated possession a change (possession.ts): "by nightfall Lowmarket was
 * theirs", "since midwinter", a sentence opening on a moment of the story. Without one, "Lowmarket
 * is theirs" is how things stand.
 */
import { tokenAt } from '../text/token-at.js';
import type { Token } from '../text/tokens.js';
import {
  BE_FORMS,
  EVENT_SUBORDINATORS,
  LATER_UNITS,
  MOMENT_AFTER,
  MOMENT_NOUNS,
  MOMENT_OPENERS,
  MOMENT_PREPOSITIONS,
  NOT_TIMES,
  SINCE_MOMENTS,
} from './change-vocabulary.js';
import { CLAUSE_PUNCT, COMMA, punctIn } from './token-gaps.js';
import { isFaction, type TypedHit } from './typed-hit.js';

/**
 * A time that makes a state a change, for the predicate from token `from` (its verb) to `to`:
 * "by <time>" (not "by <faction>") up to 7 words before or 6 after in the clause, a sentence
 * opening "By/Before/Within <time>", or "now" right before `from` or up to `start`.
 */
export function changeMarked(text: string, tokens: Token[], hits: TypedHit[], from: number, start: number, to: number): boolean {
  const byTime = (k: number) =>
    (tokens[k] as Token).lower === 'by' &&
    !NOT_TIMES.has(tokens[k + 1]?.lower ?? '') &&
    !hits.some((h) => isFaction(h) && (h.startTok === k + 1 || h.startTok === k + 2));
  const first = tokens[0]?.lower ?? '';
  if (first === 'before' || first === 'within' || (first === 'by' && byTime(0))) return true;
  if (eventOpener(text, tokens, from)) return true;
  for (let k = from - 1; k < start; k++) if (k >= 0 && (tokens[k] as Token).lower === 'now') return true;
  for (let j = from - 1; j >= 0 && j >= from - 7; j--) {
    if (punctIn(text, (tokens[j] as Token).end, (tokens[j + 1] as Token).start, CLAUSE_PUNCT)) break;
    if (byTime(j)) return true;
  }
  for (let k = to; k < tokens.length && k < to + 6; k++) {
    if (punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, CLAUSE_PUNCT)) return false;
    const w = (tokens[k] as Token).lower;
    // "the Corrin Coast is theirs again": a return is a change; "before sundown" a moment
    if (w === 'now' || w === 'again' || byTime(k)) return true;
    // "since midwinter", "since the thaw", "since last week": when it changed hands
    if (w === 'since' && sinceMoment(tokens, k)) return true;
    if (w === 'before' && MOMENT_NOUNS.has(tokens[k + 1]?.lower ?? '')) return true;
    // "was theirs before the noon bell", "within the hour", "that night", "at dusk": a moment of the story
    if (MOMENT_PREPOSITIONS.has(w) && momentAfter(tokens, k)) return true;
  }
  return false;
}

/** "since midwinter", "since the spring", "since last week": a SINCE_MOMENTS word right after "since" (token `k`) or after "the". */
function sinceMoment(tokens: Token[], k: number): boolean {
  const w = tokens[k + 1]?.lower ?? '';
  return SINCE_MOMENTS.has(w === 'the' ? (tokens[k + 2]?.lower ?? '') : w);
}

/** A moment noun within two words after token `k` ("before the noon bell", "within the hour"); not "before the war". */
export function momentAfter(tokens: Token[], k: number): boolean {
  for (let j = k + 1; j <= k + 3 && j < tokens.length; j++) {
    const w = (tokens[j] as Token).lower;
    if (MOMENT_AFTER.has(w)) return true;
    if (w !== 'the' && w !== 'a' && w !== 'first' && w !== 'next' && w !== 'same' && !MOMENT_NOUNS.has(w)) return false;
  }
  return false;
}

/**
 * Does the sentence open with a moment of the story before the predicate at `from`: a time adverb
 * ("Then", "Soon", "At last", "That night", "Two days later"), or a when/once/after clause closed by
 * a comma ("When the walls finally cracked, ... the town was theirs")? Then a possession it states
 * is how things came to be, not how they long stood.
 */
function eventOpener(text: string, tokens: Token[], from: number): boolean {
  const w0 = tokens[0]?.lower ?? '';
  const w1 = tokens[1]?.lower ?? '';
  if (MOMENT_OPENERS.has(w0)) return true;
  if (w0 === 'at' && (w1 === 'last' || w1 === 'dawn' || w1 === 'dusk' || w1 === 'nightfall')) return true;
  if (w0 === 'that' && (w1 === 'night' || w1 === 'morning' || w1 === 'evening' || w1 === 'day')) return true;
  let clauseFrom = 1;
  for (let k = 1; k <= 3; k++) {
    const unit = LATER_UNITS.has(tokenAt(tokens, k - 1)?.lower ?? '');
    if (tokens[k]?.lower === 'later' && unit) return true;
    // "Two days after the bells fell silent, ...": a time clause like "after ..."
    if ((tokens[k]?.lower === 'after' || tokens[k]?.lower === 'before') && unit) clauseFrom = k + 1;
  }
  if (clauseFrom === 1 && (!EVENT_SUBORDINATORS.has(w0) || (w0 === 'as' && w1 !== 'soon'))) return false;
  // "When you were a child, Saint Orrin was theirs": a clause of being is a time span, not an event
  for (let k = clauseFrom; k < from && k < 16; k++) {
    if (BE_FORMS.has((tokens[k] as Token).lower)) return false;
    if (punctIn(text, (tokens[k] as Token).end, (tokens[k + 1] as Token).start, COMMA)) return true;
  }
  return false;
}
