/**
 * Times that make a stated possession or holding a change (possession.ts, detect-changes.ts): "by
 * nightfall Lowmarket was theirs", "since midwinter", a sentence opening on a moment of the story,
 * "by dawn they hold Prismwell", "the Tithe holds it now", a banner raised now. Without one,
 * "Lowmarket is theirs" and "the Court holds it" are how things stand.
 */
import { tokenAt } from '../text/token-at.js';
import type { Token } from '../text/tokens.js';
import {
  BANNER_WORDS,
  BE_FORMS,
  CLAUSE_BREAK,
  EVENT_SUBORDINATORS,
  LATER_UNITS,
  MOMENT_AFTER,
  MOMENT_NOUNS,
  MOMENT_OPENERS,
  MOMENT_PREPOSITIONS,
  NOT_TIMES,
  SINCE_MOMENTS,
} from './change-vocabulary.js';
import { OBJECT_PRONOUNS } from './place-references.js';
import { placeReferenceAt } from './subject-places.js';
import { CLAUSE_PUNCT, COLON, COMMA, EM_DASH, punctIn, SEMICOLON } from './token-gaps.js';
import { isControllable, isFaction, type TypedHit } from './typed-hit.js';

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

/**
 * "The Emberwrights hold it now", "The Iron Tithe holds the town now": "now" right after a pronoun
 * or place-noun object (haveNow reads "holds Lowmarket now").
 */
export function nowAfter(text: string, tokens: Token[], after: number): boolean {
  const end = OBJECT_PRONOUNS.has(tokens[after]?.lower ?? '') ? after + 1 : (placeReferenceAt(tokens, after)?.end ?? -1);
  return (
    end > after &&
    tokens[end]?.lower === 'now' &&
    !punctIn(text, (tokens[end - 1] as Token).end, (tokens[end] as Token).start, CLAUSE_PUNCT)
  );
}

/** How many words after a held object its "now" may stand ("hold the heights from end to end now"). */
const NOW_REACH = 10;

/**
 * "now" after the object of a holding verb (from token `after`: a place, "the <place>", or a
 * reference), past a phrase of extent ("from end to end", "from the river to the sea"), in the
 * same clause: not past a clause break ("and now march on"), nor after a span ("for years now"
 * is how things stood).
 */
export function nowLaterInClause(text: string, tokens: Token[], hits: TypedHit[], after: number): boolean {
  const objectAt = tokens[after]?.lower === 'the' ? after + 1 : after;
  const place = hits.find((h) => h.startTok === objectAt && isControllable(h));
  const end = place ? place.endTok : (placeReferenceAt(tokens, after)?.end ?? -1);
  if (end < 0) return false;
  for (let k = end; k < tokens.length && k < end + NOW_REACH; k++) {
    if (punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, CLAUSE_PUNCT | EM_DASH)) return false;
    const w = (tokens[k] as Token).lower;
    if (w === 'now') return true;
    if (w === 'for' || w === 'since' || CLAUSE_BREAK.has(w)) return false;
  }
  return false;
}

/**
 * "By dawn they hold Prismwell", "by nightfall the Iron Tithe holds Lowmarket": a present
 * "hold(s)" is a change only after "by <time>" in its clause ("the Court still holds it" is a state).
 */
export function byTimeBefore(text: string, tokens: Token[], hits: TypedHit[], at: number): boolean {
  // "By dawn, the Court ruled the town": a sentence-opening time phrase, past its comma
  const w0 = tokens[0]?.lower;
  if (
    (w0 === 'by' || w0 === 'within') &&
    at > 2 &&
    !hits.some((h) => isFaction(h) && h.startTok <= 2) &&
    !NOT_TIMES.has(tokens[1]?.lower ?? '') &&
    !punctIn(text, (tokens[0] as Token).end, (tokens[at] as Token).start, SEMICOLON | COLON)
  )
    return true;
  for (let j = at - 1; j >= 0 && j >= at - 7; j--) {
    if (punctIn(text, (tokens[j] as Token).end, (tokens[j + 1] as Token).start, CLAUSE_PUNCT)) return false;
    // "by the Tithe", "by Lowmarket" name no time; "by dusk Harrowgate was ruled by" does
    if (
      (tokens[j] as Token).lower === 'by' &&
      !hits.some((h) => h.startTok === j + 1 || (h.startTok === j + 2 && tokens[j + 1]?.lower === 'the'))
    )
      return true;
  }
  return false;
}

/**
 * "The Masks have Lowmarket now", "the Tithe now has Harrowgate" (and "holds Lowmarket now"): possession as a change needs
 * a place right after the verb and "now" right before the verb or right after the place (else it
 * is an auxiliary, "has taken", or how things stand, "the Court has Lowmarket").
 */
export function haveNow(text: string, tokens: Token[], hits: TypedHit[], at: number): boolean {
  const place = hits.find((h) => h.startTok === at + 1 && isControllable(h));
  if (!place) return false;
  // "has Lowmarket's loyalty now" owns something of the place's, not the place
  const after = text.charCodeAt((tokens[place.endTok - 1] as Token).end);
  if (after === 39 || after === 0x2019) return false;
  return tokenAt(tokens, at - 1)?.lower === 'now' || tokens[place.endTok]?.lower === 'now';
}

/** "now" in the 3 words before the verb, in its clause ("now holds", "Now they hold the city"). */
export function nowBefore(text: string, tokens: Token[], at: number): boolean {
  for (let j = at - 1; j >= 0 && j >= at - 3; j--) {
    if (punctIn(text, (tokens[j] as Token).end, (tokens[j + 1] as Token).start, CLAUSE_PUNCT)) return false;
    if ((tokens[j] as Token).lower === 'now') return true;
  }
  return false;
}

/** Is `word` one of the `n` words before token `at`? */
export function wordBefore(tokens: Token[], at: number, word: string, n: number): boolean {
  for (let j = at - 1; j >= 0 && j >= at - n; j--) if ((tokens[j] as Token).lower === word) return true;
  return false;
}

/**
 * "the (grey) banners of the Iron Tithe (now) fly": a banner word, "of", (the) and a faction ending
 * right before the verb at `at` ("now" may stand between).
 */
function bannersOfBefore(tokens: Token[], hits: TypedHit[], at: number): boolean {
  const end = tokenAt(tokens, at - 1)?.lower === 'now' ? at - 1 : at;
  const f = hits.find((h) => isFaction(h) && h.endTok === end);
  if (!f) return false;
  const of = tokenAt(tokens, f.startTok - 1)?.lower === 'the' ? f.startTok - 2 : f.startTok - 1;
  return tokenAt(tokens, of)?.lower === 'of' && BANNER_WORDS.has(tokenAt(tokens, of - 1)?.lower ?? '');
}

/**
 * "Their banners flew over Brackwater by dawn", "by noon the Tithe's flag flew over it": a
 * banner word within 3 words before the verb, and "by <time>" or "now" in the clause (without
 * one, "the Court's banners flew over Lowmarket" may describe how things long stood).
 */
export function bannerRaised(text: string, tokens: Token[], hits: TypedHit[], at: number, after: number): boolean {
  let banner = false;
  for (let j = at - 1; j >= 0 && j >= at - 3; j--) if (BANNER_WORDS.has((tokens[j] as Token).lower)) banner = true;
  // "the banners of the Iron Tithe now fly over Lowmarket": the banners' faction after "of"
  if (!banner) banner = bannersOfBefore(tokens, hits, at);
  if (!banner) return false;
  if (byTimeBefore(text, tokens, hits, at) || wordBefore(tokens, at, 'now', 5)) return true;
  for (let k = after; k < tokens.length && k < after + 6; k++) {
    if (punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, CLAUSE_PUNCT)) return false;
    const w = (tokens[k] as Token).lower;
    if (w === 'now' || (w === 'by' && !hits.some((h) => h.startTok === k + 1 || h.startTok === k + 2))) return true;
  }
  return false;
}
