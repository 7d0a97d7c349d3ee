/**
 * Changes told as nouns, for change detection (detect-changes.ts): "the fall of Lowmarket to the
 * Iron Tithe", "Lowmarket's capture by the Tithe", "the siege of Brackwater began". Read only for
 * places the sentence gives no change of its own.
 */
import { tokenAt } from '../text/token-at.js';
import type { Token } from '../text/tokens.js';
import { CHANGE_NOUNS, MODALS_AFTER, SIEGE_ENDS, SIEGE_PROGRESS, UNREAL_BEFORE } from './change-vocabulary.js';
import { asked, hypothetical, isNegated } from './clause-frames.js';
import { isControllable, isFaction, possessiveAfter, type TypedHit } from './typed-hit.js';
import type { AddChange } from './sentence-rule.js';
import type { ProposedChange } from './types.js';

/**
 * "A herald announces the fall of Lowmarket to the Iron Tithe", "the capture of Lowmarket by the
 * Tithe shocked everyone", "Lowmarket's fall to the Tithe": a change told as a noun, with its
 * taker named ("to"/"by" right after the place). Only for a place without a change of its own;
 * none when the noun is feared, planned or averted, or the clause is negated, asked or hypothetical.
 */
export function nominalChanges(
  text: string,
  tokens: Token[],
  hits: TypedHit[],
  out: Map<string, ProposedChange[]>,
  add: AddChange,
): void {
  for (let k = 0; k < hits.length; k++) {
    const h = hits[k] as TypedHit; // indexed, as in nearest
    if (!isControllable(h) || out.has(h.entityId)) continue;
    let noun = -1;
    // "the fall of Lowmarket"
    if (tokenAt(tokens, h.startTok - 1)?.lower === 'of' && CHANGE_NOUNS.has(tokenAt(tokens, h.startTok - 2)?.lower ?? ''))
      noun = h.startTok - 2;
    // "Lowmarket's fall"
    else if (possessiveAfter(text, tokens, h) && CHANGE_NOUNS.has(tokens[h.endTok]?.lower ?? '')) noun = h.endTok;
    if (noun < 0) continue;
    const after = noun === h.endTok ? noun + 1 : h.endTok;
    const word = CHANGE_NOUNS.get((tokens[noun] as Token).lower);
    if (tokens[after]?.lower !== word) continue;
    const taker = hits.find(
      (f) => isFaction(f) && (f.startTok === after + 1 || (f.startTok === after + 2 && tokens[after + 1]?.lower === 'the')),
    );
    if (!taker) continue;
    let unreal = false;
    for (let j = noun - 1; j >= 0 && j >= noun - 4; j--) if (UNREAL_BEFORE.has((tokens[j] as Token).lower)) unreal = true;
    // "the fall of Lowmarket to the Tithe would ruin us": the noun as the subject of a modal
    for (let j = taker.endTok; j < tokens.length && j <= taker.endTok + 2; j++)
      if (MODALS_AFTER.has((tokens[j] as Token).lower)) unreal = true;
    if (unreal || isNegated(text, tokens, noun) || asked(text, tokens, noun) || hypothetical(text, tokens, noun)) continue;
    add(
      h.entityId,
      {
        kind: 'control',
        field: 'controlledBy',
        to: taker.entityId,
        from: null,
        verb: `${(tokens[noun] as Token).lower} ${word}`,
      },
      noun,
    );
  }
}

/** "the Tithe's siege of Lowmarket ended / was lifted / is over": an ending word within three words after the place. */
function siegeEnded(tokens: Token[], from: number): boolean {
  for (let k = from; k < tokens.length && k <= from + 2; k++) if (SIEGE_ENDS.has((tokens[k] as Token).lower)) return true;
  return false;
}

/**
 * "The siege of Brackwater began at dawn", "the Iron Tithe's siege of Lowmarket enters its third
 * week": a siege told as a noun, under way (a faction's possessive before it, or a verb of its
 * progress after the place), threatens the place; not "the siege of Brackwater forty years ago"
 * (no progress verb, no possessive), nor negated, asked or hypothetical.
 */
export function nominalSieges(
  text: string,
  tokens: Token[],
  hits: TypedHit[],
  out: Map<string, ProposedChange[]>,
  add: AddChange,
): void {
  for (const h of hits) {
    if (!isControllable(h) || out.has(h.entityId)) continue;
    const ofAt = tokenAt(tokens, h.startTok - 1)?.lower === 'the' ? h.startTok - 2 : h.startTok - 1;
    if (tokenAt(tokens, ofAt)?.lower !== 'of' || tokenAt(tokens, ofAt - 1)?.lower !== 'siege') continue;
    const noun = ofAt - 1;
    const owner = hits.find((f) => isFaction(f) && f.endTok === noun && possessiveAfter(text, tokens, f));
    let progress = false;
    for (let k = h.endTok; k < tokens.length && k <= h.endTok + 2; k++) {
      const w = (tokens[k] as Token).lower;
      if (SIEGE_PROGRESS.has(w)) progress = true;
      if (w !== 'has' && w !== 'had' && w !== 'now' && w !== 'finally' && w !== 'is') break;
    }
    if ((!owner && !progress) || siegeEnded(tokens, h.endTok)) continue;
    if (isNegated(text, tokens, noun) || asked(text, tokens, noun) || hypothetical(text, tokens, noun)) continue;
    add(h.entityId, { kind: 'status', field: 'status', to: 'threatened', cue: 'siege of' }, noun);
  }
}
