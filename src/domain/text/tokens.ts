/** Word tokens with offsets. Possessive `'s` is folded away so "Ashgrove's" matches "Ashgrove". */
export interface Token {
  /** Original text (possessive removed). */
  text: string;
  /** Lower-case key used for lexicon look-ups. */
  lower: string;
  start: number;
  end: number;
  /** First letter is upper-case: the cheap proper-noun signal. */
  cap: boolean;
}

const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
const POSSESSIVE = /['’]s$/i;
const UPPER = /\p{Lu}/u;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(WORD)) {
    let word = m[0];
    if (POSSESSIVE.test(word)) word = word.slice(0, -2);
    const first = word[0] ?? '';
    out.push({ text: word, lower: word.toLowerCase(), start: m.index, end: m.index + word.length, cap: UPPER.test(first) });
  }
  return out;
}

/** Lower-case keys for a name; a leading article is optional in text so we drop it. */
export function nameKeys(name: string): string[] {
  const keys = tokenize(name).map((t) => t.lower);
  if (keys.length > 1 && (keys[0] === 'the' || keys[0] === 'a' || keys[0] === 'an')) keys.shift();
  return keys;
}
