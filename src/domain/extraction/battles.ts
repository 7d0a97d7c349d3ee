/**
 * Battles for change detection (detect-changes.ts): when a faction fled or was beaten in one clause
 * ("The Emberwrights fled, and they took the keep"), a pronoun that takes a place in the next is
 * the other side, the victor.
 */
import { tokenAt } from '../text/token-at.js';
import type { Token } from '../text/tokens.js';
import {
  DEFEAT_VERBS,
  FIELD_WORDS,
  FLIGHT_AUX,
  FLIGHT_PAIRS,
  FLIGHT_WORDS,
  POSSESSIVES,
  PRONOUNS,
  SAME_SIDE_WORDS,
} from './change-vocabulary.js';
import { COMMA, punctIn, SEMICOLON } from './token-gaps.js';
import { isControllable, isFaction, nearest, type TypedHit } from './typed-hit.js';

/** "they" or "it" as the subject right before the verb at `at`, with at most one word between ("they had taken"). */
export function pronounSubjectBefore(tokens: Token[], at: number): boolean {
  for (let j = at - 1; j >= 0 && j >= at - 2; j--) {
    const w = (tokens[j] as Token).lower;
    if (PRONOUNS.has(w) && !POSSESSIVES.has(w) && w !== 'we' && !w.startsWith('we')) return true;
  }
  return false;
}

/**
 * Did `near` flee or lose the field in a clause of its own before the verb at `at`: a flight
 * right after it with no place after the flight ("fled", "were routed"; not "fled Brackwater,
 * and they seized Lowmarket"), or a defeat verb right before it ("the Tithe routed the
 * Emberwrights")? The clauses must be joined by "and", "then" or punctuation, with no "but"
 * or "instead" (which keep the same subject).
 */
export function beatenThen(text: string, tokens: Token[], hits: TypedHit[], near: TypedHit, at: number): boolean {
  for (let k = 0; k < tokens.length; k++) if (SAME_SIDE_WORDS.has((tokens[k] as Token).lower)) return false;
  let joined = false;
  for (let k = near.endTok; k < at; k++) {
    const w = (tokens[k] as Token).lower;
    if (w === 'and' || w === 'then' || punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, COMMA | SEMICOLON))
      joined = true;
  }
  if (!joined) return false;
  let k = near.endTok;
  while (k < at && k < near.endTok + 2 && (FLIGHT_AUX.has(tokens[k]?.lower ?? '') || tokens[k]?.lower.endsWith('ly'))) k++;
  const w = tokens[k]?.lower ?? '';
  const pair = FLIGHT_PAIRS.get(w);
  const flightEnd = pair !== undefined && tokens[k + 1]?.lower === pair ? k + 2 : FLIGHT_WORDS.has(w) ? k + 1 : -1;
  if (flightEnd > 0) {
    // "fled Brackwater", "withdrew from Lowmarket": a flight from a place, not a lost field;
    // "fled the storm": from something else ("fled the field" is the lost field).
    const placeAfter = nearest(hits, isControllable, flightEnd, 1);
    if (placeAfter && placeAfter.startTok <= flightEnd + 2 && placeAfter.startTok < at) return false;
    const object = tokens[flightEnd];
    if (!object || punctIn(text, (tokens[flightEnd - 1] as Token).end, object.start, COMMA | SEMICOLON)) return true;
    if (object.lower === 'the' || object.lower === 'a' || object.lower === 'their' || object.lower === 'its')
      return FIELD_WORDS.has(tokens[flightEnd + 1]?.lower ?? '');
    return !object.cap;
  }
  const before = tokenAt(tokens, near.startTok - 1)?.lower === 'the' ? near.startTok - 2 : near.startTok - 1;
  return DEFEAT_VERBS.has(tokens[before]?.lower ?? '');
}

/** The side that beat `beaten`: the faction named before it in the sentence, else the antecedent; null when neither is another faction. */
export function victorOver(hits: TypedHit[], beaten: TypedHit, antecedent: TypedHit | null): TypedHit | null {
  const before = nearest(hits, (h) => isFaction(h) && h.entityId !== beaten.entityId, beaten.startTok, -1);
  if (before) return before;
  return antecedent && antecedent.entityId !== beaten.entityId ? antecedent : null;
}
