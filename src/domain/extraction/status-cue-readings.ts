/**
 * Readings around a status cue, for change detection (detect-changes.ts): an order rather than a
 * report ("Put Harrowgate to the torch!"), a place that burned without an object, a ruin phrase
 * of its own words ("a field of black stumps"), a status that goes on rather than begins, scenery
 * rather than a besieger ("ringed by cliffs"), and result phrases after the places ("burned
 * Lowmarket to the ground").
 */
import { tokenAt } from '../text/token-at.js';
import type { Token } from '../text/tokens.js';
import type { RegionStatus } from '../world/types.js';
import {
  BURNED_INTRANSITIVE_AFTER,
  CONTINUING,
  IMPERATIVE_LEADS,
  MOMENT_AFTER,
  MOMENT_NOUNS,
  RESULT_PHRASES,
  RUIN_FIELD_HEADS,
  RUIN_FIELD_MODIFIERS,
  RUIN_FIELD_NOUNS,
  SIEGE_FORCES,
} from './change-vocabulary.js';
import { withListAfter } from './list-reading.js';
import type { Phrase } from './phrase-index.js';
import { OBJECT_PRONOUNS } from './place-references.js';
import { CLAUSE_PUNCT, EM_DASH, punctIn } from './token-gaps.js';
import { isControllable, isFaction, type TypedHit } from './typed-hit.js';

/**
 * An order, not a report: the cue opens the sentence (or follows "now,"/"then,"/"go") in a base
 * form ("Put Harrowgate to the torch!", "Blockade Brackwater at once", "Encircle Lowmarket by
 * nightfall"). A fronted participle ("Burned to the ground, ...", "Besieged for a month, ...") is no order.
 */
export function imperativeCue(tokens: Token[], at: number): boolean {
  let first = 0;
  while (first < at && IMPERATIVE_LEADS.has((tokens[first] as Token).lower)) first++;
  if (at !== first) return false;
  const w = (tokens[at] as Token).lower;
  return !w.endsWith('ed') && !w.endsWith('en') && w !== 'burnt' && !w.endsWith('ing') && !w.endsWith('s');
}

/**
 * "Harrowgate burned through the night", "Lowmarket burned.": "burned" right after its place, used
 * without an object (the clause ends, or a time or manner follows); "Lowmarket burned its bridges" has one.
 */
export function burnedIntransitive(text: string, tokens: Token[], place: TypedHit, at: number): boolean {
  const w = (tokens[at] as Token).lower;
  if ((w !== 'burned' && w !== 'burnt') || place.endTok !== at) return false;
  // "the lanterns of Harrowgate burned all night": the lanterns burned, not the town
  const before = tokenAt(tokens, tokenAt(tokens, place.startTok - 1)?.lower === 'the' ? place.startTok - 2 : place.startTok - 1);
  if (before?.lower === 'of') return false;
  const next = tokens[at + 1];
  if (!next || punctIn(text, (tokens[at] as Token).end, next.start, CLAUSE_PUNCT | EM_DASH)) return true;
  return BURNED_INTRANSITIVE_AFTER.has(next.lower);
}

/** "a field of black stumps" at token `at`: a devastation cue of its own words, else null. */
export function ruinField(tokens: Token[], at: number): Phrase<RegionStatus> | null {
  if ((tokens[at] as Token).lower !== 'a' || !RUIN_FIELD_HEADS.has(tokens[at + 1]?.lower ?? '')) return null;
  if (tokens[at + 2]?.lower !== 'of') return null;
  const n = RUIN_FIELD_MODIFIERS.has(tokens[at + 3]?.lower ?? '') ? at + 4 : at + 3;
  if (!RUIN_FIELD_NOUNS.has(tokens[n]?.lower ?? '')) return null;
  const keys: string[] = [];
  for (let k = at; k <= n; k++) keys.push((tokens[k] as Token).lower);
  return { keys, kind: 'devastated', text: keys.join(' ') };
}

/** "is still a wasteland", "remains in ruins", "has always been under threat": within 3 words before the cue at `at`. */
export function statusContinues(tokens: Token[], at: number): boolean {
  for (let j = at - 1; j >= 0 && j >= at - 3; j--) if (CONTINUING.has((tokens[j] as Token).lower)) return true;
  return false;
}

/**
 * "by/with" after a passive siege word (token `at`) naming neither a faction nor a force in the
 * next four words ("ringed by cliffs", "surrounded with orchards"): the words describe the land.
 */
export function sceneryAfter(tokens: Token[], hits: TypedHit[], at: number): boolean {
  const w = tokens[at]?.lower;
  if (w !== 'by' && w !== 'with') return false;
  // "surrounded by dawn", "by nightfall": a time, not the land
  if (w === 'by' && (MOMENT_AFTER.has(tokens[at + 1]?.lower ?? '') || MOMENT_NOUNS.has(tokens[at + 1]?.lower ?? '')))
    return false;
  // "surrounded by them": the faction named before
  if (OBJECT_PRONOUNS.has(tokens[at + 1]?.lower ?? '')) return false;
  for (let k = at + 1; k < tokens.length && k <= at + 4; k++) {
    if (SIEGE_FORCES.has((tokens[k] as Token).lower)) return false;
    if (hits.some((h) => h.startTok === k && isFaction(h))) return false;
  }
  return true;
}

/** The places (a list) right after the verb at `at` when a result phrase follows them, and the cue ("burned to the ground"); null otherwise. */
export function resultativeTargets(
  text: string,
  tokens: Token[],
  hits: TypedHit[],
  at: number,
): { places: TypedHit[]; cue: string } | null {
  const objectAt = tokens[at + 1]?.lower === 'the' ? at + 2 : at + 1;
  const first = hits.find((h) => h.startTok === objectAt && isControllable(h));
  if (!first) return null;
  const places = withListAfter(text, tokens, hits, first);
  const end = (places[places.length - 1] as TypedHit).endTok;
  for (const r of RESULT_PHRASES)
    if (r.every((w, k) => tokens[end + k]?.lower === w)) return { places, cue: `${(tokens[at] as Token).lower} ${r.join(' ')}` };
  return null;
}
