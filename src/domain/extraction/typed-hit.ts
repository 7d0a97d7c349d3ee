/**
 * The hits change detection reads (detect-changes.ts and the readers it calls, such as
 * list-reading.ts): a lexicon hit typed by its entity, and the nearest-hit search they all share.
 */
import type { Token } from '../text/tokens.js';

/** A lexicon hit as seen by change detection: where it is and what kind of entity it is. */
export interface TypedHit {
  entityId: string;
  entityType: string;
  startTok: number;
  endTok: number;
}

/** Entity types a faction can take, hold or lose. */
const CONTROLLABLE = new Set(['region', 'settlement']);

/** The hit `pred` accepts nearest token `from`: ending at or before it (dir -1), or starting at or after it (dir 1). */
export function nearest(hits: TypedHit[], pred: (h: TypedHit) => boolean, from: number, dir: -1 | 1): TypedHit | null {
  let best: TypedHit | null = null;
  // Indexed: hits may be the frozen empty list, whose for-of allocates an iterator even when optimised.
  for (let k = 0; k < hits.length; k++) {
    const h = hits[k] as TypedHit;
    if (!pred(h)) continue;
    if (dir === -1 && h.endTok <= from && (!best || h.endTok > best.endTok)) best = h;
    if (dir === 1 && h.startTok >= from && (!best || h.startTok < best.startTok)) best = h;
  }
  return best;
}

export const isFaction = (h: TypedHit) => h.entityType === 'faction';
export const isControllable = (h: TypedHit) => CONTROLLABLE.has(h.entityType);

/** "Harrowgate's walls": the place names an owner of what follows, not a subject. */
export function possessiveAfter(text: string, tokens: Token[], h: TypedHit): boolean {
  const c = text.charCodeAt((tokens[h.endTok - 1] as Token).end);
  return c === 39 || c === 0x2019;
}
