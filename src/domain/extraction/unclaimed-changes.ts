import type { Token } from '../text/tokens.js';
import type { TypedHit } from './detect-changes.js';
import { CLAUSE_NEGATORS, NEGATION_WORDS } from './hedges.js';

/**
 * Unclaimed changes: a place that falls with nobody named as its taker ("Lowmarket fell at
 * dawn.", "Harrowgate was taken in the night.", "Brackwater changed hands"), whose taker the
 * narrator names in the next sentence as its subject ("The Iron Tithe's banners flew from the
 * gate by noon."). Change detection proposes nothing for the first sentence alone (an agentless
 * change names no gainer); extraction keeps it pending and lets the next narrator sentence
 * complete it (extract-entities.ts).
 */

/** Participles of taking that, agentless, leave the taker unnamed ("was taken", "had been overrun"). */
const TAKEN = new Set('taken captured seized overrun stormed conquered occupied retaken recaptured annexed subdued'.split(' '));
const PASSIVE_AUX = new Set(['was', 'were', 'is', 'are']);
const PERFECT = new Set(['had', 'has', 'have']);
/** After "fell" these make it no change of hands: "fell silent", "fell to the Tithe" (named), "fell back". */
const NOT_A_FALL_AFTER = new Set(
  'to into under back silent quiet still asleep apart away behind short ill sick dark from upon on off in'.split(' '),
);

/** Is token `at` (an agentless participle or "fell") followed by an agent or a taker of its own ("by", "to")? */
function takerNamedAfter(tokens: Token[], at: number): boolean {
  for (let k = at + 1; k < tokens.length && k <= at + 8; k++) {
    const w = (tokens[k] as Token).lower;
    if (w === 'by' || w === 'to') return true;
  }
  return false;
}

/**
 * The place of the sentence that changed hands without a taker: "<place> fell/had fallen
 * (at dawn)", "<place> changed hands", "<place> was/had been taken (in the night)" with no
 * "by"/"to" after; null when the sentence has none, or negates, asks or hedges it into the future.
 */
export function unclaimedChange(tokens: Token[], hits: readonly TypedHit[]): TypedHit | null {
  for (const t of tokens) if (NEGATION_WORDS.has(t.lower) || CLAUSE_NEGATORS.has(t.lower)) return null;
  for (const h of hits) {
    if (h.entityType !== 'settlement' && h.entityType !== 'region') continue;
    let k = h.endTok;
    const w = tokens[k]?.lower ?? '';
    if (w === 'changed' && tokens[k + 1]?.lower === 'hands') return h;
    if (PERFECT.has(w)) k++;
    const v = tokens[k]?.lower ?? '';
    if (
      (v === 'fell' || v === 'fallen' || v === 'falls') &&
      !NOT_A_FALL_AFTER.has(tokens[k + 1]?.lower ?? '') &&
      !takerNamedAfter(tokens, k)
    )
      return h;
    // "was taken", "had been overrun"
    let p = h.endTok;
    if (PASSIVE_AUX.has(tokens[p]?.lower ?? '')) p++;
    else if (PERFECT.has(tokens[p]?.lower ?? '') && tokens[p + 1]?.lower === 'been') p += 2;
    else continue;
    if (TAKEN.has(tokens[p]?.lower ?? '') && !takerNamedAfter(tokens, p)) return h;
  }
  return null;
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
  const start = tokens[f.startTok - 1]?.lower === 'the' ? f.startTok - 1 : f.startTok;
  const before = tokens[start - 1];
  const atStart = start === 0 || (start <= 6 && !!before && text.slice(before.end, (tokens[start] as Token).start).includes(','));
  if (!atStart || text.includes('?')) return null;
  // the subject's clause: to the first clause mark after the faction ("..., and nobody dared ask" is another)
  let end = f.endTok;
  while (end < tokens.length && !/[,;:\u2014]/.test(text.slice((tokens[end - 1] as Token).end, (tokens[end] as Token).start)))
    end++;
  for (let i = 0; i < end; i++) {
    const t = tokens[i] as Token;
    if (
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
