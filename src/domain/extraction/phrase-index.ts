/** Phrase tables (multi-word verbs and cues) indexed by first word, and their matcher. */
import { KeyFilter } from '../text/key-filter.js';
import type { Token } from '../text/tokens.js';

export interface Phrase<K> {
  keys: string[];
  kind: K;
  /** The keys joined by spaces (a change's verb or cue), built once. */
  text: string;
}

/** Phrases indexed by their first word, with a pre-check so most tokens skip the map. */
export interface PhraseIndex<K> {
  byFirst: Map<string, Array<Phrase<K>>>;
  firstKeys: KeyFilter;
}

export function phrases<K>(list: Array<[string, K]>): PhraseIndex<K> {
  const map = new Map<string, Array<Phrase<K>>>();
  for (const [text, kind] of list) {
    const keys = text.split(' ');
    const first = keys[0] as string;
    const arr = map.get(first) ?? [];
    arr.push({ keys, kind, text });
    arr.sort((a, b) => b.keys.length - a.keys.length);
    map.set(first, arr);
  }
  return { byFirst: map, firstKeys: new KeyFilter(map.keys()) };
}

export function matchPhrase<K>(index: PhraseIndex<K>, tokens: Token[], i: number): Phrase<K> | null {
  const lower = (tokens[i] as Token).lower;
  if (!index.firstKeys.mayHave(lower)) return null;
  for (const p of index.byFirst.get(lower) ?? []) {
    if (p.keys.every((k, j) => tokens[i + j]?.lower === k)) return p;
  }
  return null;
}
