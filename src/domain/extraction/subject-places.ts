/**
 * The place a clause is about, for change detection (detect-changes.ts, possession.ts): the place
 * before a verb group (past a parenthetical that closes right before it), or the place a subject
 * reference ("it", "the town") stands for.
 */
import { tokenAt } from '../text/token-at.js';
import type { Token } from '../text/tokens.js';
import { PERFECT_AUX, VERB_ADVERBS } from './change-vocabulary.js';
import { OBJECT_PRONOUNS, placeNounAfterThe, placeNounKind, theBeforePlaceNoun } from './place-references.js';
import { openingComma } from './token-gaps.js';
import { isControllable, nearest, type TypedHit } from './typed-hit.js';

/**
 * The place before the verb group at `at` that is its subject: the nearest one, unless that one
 * stands after "of" inside a parenthetical that closes right before `at` ("Prismwell, once the jewel
 * of the Kyther Range, was burned"): then the place before the parenthetical.
 */
export function placeSubject(text: string, tokens: Token[], hits: TypedHit[], at: number): TypedHit | null {
  const near = nearest(hits, isControllable, at, -1);
  if (!near) return null;
  const w = tokenAt(tokens, tokenAt(tokens, near.startTok - 1)?.lower === 'the' ? near.startTok - 2 : near.startTok - 1)?.lower;
  if (w !== 'of') return near;
  const open = parentheticalStart(text, tokens, at);
  return hits.find((h) => isControllable(h) && h.endTok === open) ?? near;
}

/**
 * Where the subject's parenthetical starts when one closes right before the verb at `at` (an adverb
 * may stand between: "..., finally took it"): the token after the subject, else `at` itself.
 */
export function parentheticalStart(text: string, tokens: Token[], at: number): number {
  const open = parentheticalComma(text, tokens, at);
  return open >= 0 ? open + 1 : at;
}

/**
 * The comma that opens a parenthetical closing right before the verb at `at` ("The Tithe, hungry
 * and soaked, took"), or -1. An adverb or a perfect auxiliary may stand between its closing comma
 * and the verb ("..., nonetheless retook", "They, hungry and soaked, had taken Lowmarket").
 */
export function parentheticalComma(text: string, tokens: Token[], at: number): number {
  const open = openingComma(text, tokens, at);
  if (
    open < 0 &&
    at > 1 &&
    (VERB_ADVERBS.has((tokens[at - 1] as Token).lower) || PERFECT_AUX.has((tokens[at - 1] as Token).lower))
  )
    return openingComma(text, tokens, at - 1);
  return open;
}

/** The place a reference stands for: the nearest fitting place before `before` in the sentence, else the antecedent place. */
export function resolvePlace(hits: TypedHit[], before: number, type: string, place: TypedHit | null): TypedHit | null {
  const fits = (h: TypedHit) => isControllable(h) && (type === '' || h.entityType === type);
  const near = nearest(hits, fits, before, -1);
  if (near) return near;
  return place && fits(place) ? place : null;
}

/** A subject pronoun or "the city" within 3 words before token `at` ("it fell to", "it was taken by"). */
export function placeSubjectBefore(tokens: Token[], at: number): string | null {
  for (let j = at - 1; j >= 0 && j >= at - 3; j--) {
    const w = (tokens[j] as Token).lower;
    if (w === 'it' || w === "it's" || w === 'it\u2019s') return '';
    // "At dawn its gates opened to them": the gates of the place named before
    if (w === 'its' && (tokens[j + 1]?.lower === 'gates' || tokens[j + 1]?.lower === 'gate')) return '';
    const type = placeNounKind(w);
    // "the town was theirs", "by noon the whole town belonged to them"
    if (type && theBeforePlaceNoun(tokens, j) >= 0) return type;
  }
  return null;
}

/**
 * A pronoun or "the (shrine) town" at token `at`, standing for a place: its end token and the
 * entity type it can stand for ('' = any controllable); null when the words there are no such reference.
 */
export function placeReferenceAt(tokens: Token[], at: number): { end: number; type: string } | null {
  const w = tokens[at]?.lower ?? '';
  if (OBJECT_PRONOUNS.has(w)) return { end: at + 1, type: '' };
  // "the town", "the whole town", "the old walled town"; "the town of Gullwick" names another place
  const k = placeNounAfterThe(tokens, at);
  if (k < 0 || tokens[k + 1]?.lower === 'of') return null;
  return { end: k + 1, type: placeNounKind((tokens[k] as Token).lower) ?? '' };
}
