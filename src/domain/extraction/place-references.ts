import type { Token } from '../text/tokens.js';

/**
 * Place references: the words a sentence uses for a place it named before ("the town", "the
 * fens", "it"), and which kind of place each can stand for. Change detection resolves them
 * (detect-changes.ts); extraction keeps, per scene, the latest place of each kind they may
 * refer to (extract-entities.ts), so "the pass" finds the Sunder Gap even when a town was named
 * after it.
 */

/** A pronoun or "the city" right after a verb stands for a place named earlier. */
export const OBJECT_PRONOUNS = new Set(['it', 'them']);

/**
 * Common nouns for a place of one type: settlement nouns for towns and holds, region nouns for
 * land (plural land nouns too: "the fens", "the heights" are one region, not several things).
 */
export const PLACE_NOUNS = new Map<string, 'settlement' | 'region'>([
  ...(
    'city town port harbour harbor village fortress citadel stronghold keep fort capital township outpost'.split(' ') as string[]
  ).map((w): [string, 'settlement'] => [w, 'settlement']),
  ...(
    'region valley vale pass forest coast highlands steppe marsh range fens fen marshes marshland marshlands swamp ' +
    'heights uplands lowlands peaks mountains plains shore shores coastline woods moors moor gap province territory'
  )
    .split(' ')
    .map((w): [string, 'region'] => [w, 'region']),
]);

/**
 * The kind of place a word names: a place noun, or a hyphenated compound ending in one ("the
 * forge-fortress", "the river-port", "the hill-town" are a fortress, a port, a town); undefined
 * for other words.
 */
export function placeNounKind(w: string): 'settlement' | 'region' | undefined {
  const kind = PLACE_NOUNS.get(w);
  if (kind !== undefined) return kind;
  const dash = w.lastIndexOf('-');
  return dash > 0 ? PLACE_NOUNS.get(w.slice(dash + 1)) : undefined;
}

/**
 * "the town", "the whole town", "the old walled town" starting at token `the` (a determiner
 * "the"): the place noun's index, or -1. Up to two lower-case modifiers may stand between ("the
 * Guild's town" is someone's, "the town of Gullwick" another place: callers check "of").
 */
export function placeNounAfterThe(tokens: Token[], the: number): number {
  if (tokens[the]?.lower !== 'the') return -1;
  for (let k = the + 1; k <= the + 3 && k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.cap) return -1;
    if (placeNounKind(t.lower) !== undefined) return k;
  }
  return -1;
}

/**
 * The place noun ending at token `noun` has "the" before it, directly or past up to two lower-case
 * modifiers ("the whole town was theirs"): the index of "the", or -1.
 */
export function theBeforePlaceNoun(tokens: Token[], noun: number): number {
  for (let j = noun - 1; j >= 0 && j >= noun - 3; j--) {
    const t = tokens[j] as Token;
    if (t.lower === 'the') return j;
    if (t.cap || placeNounKind(t.lower) !== undefined || OBJECT_PRONOUNS.has(t.lower)) return -1;
  }
  return -1;
}

/**
 * Which kind of place a sentence's references can stand for, by its first reference: 'settlement'
 * or 'region' for "the <place noun>" of that kind, '' (the latest place, of any kind) for
 * "it"/"them"/"out"; null when it has no reference at all. Extraction passes the scene's salient
 * place of that kind.
 */
export function referredPlaceType(tokens: Token[]): 'settlement' | 'region' | '' | null {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (OBJECT_PRONOUNS.has(t.lower) || t.lower === 'out') return '';
    if (t.lower !== 'the') continue;
    const k = placeNounAfterThe(tokens, i);
    if (k >= 0 && tokens[k + 1]?.lower !== 'of') return placeNounKind((tokens[k] as Token).lower) ?? '';
  }
  return null;
}
