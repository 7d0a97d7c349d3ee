import { FNV_OFFSET, fnvFinish, hashRange } from './ranges.js';

/**
 * A deliberately simple sentence splitter: end punctuation (with trailing quotes or
 * brackets) followed by anything, or a newline. A hand-written char-code scan rather than
 * a regex: it runs on every turn, and wink-nlp is not used here because splitting every
 * turn through the tagger would cost far more than the tagging we need
 * (see extraction/find-new-names.ts).
 */
const HAS_WORD = /[\p{L}\p{N}]/u;

/** . ! ? … */
function isEnd(c: number): boolean {
  return c === 46 || c === 33 || c === 63 || c === 0x2026;
}

/** Quotes and brackets that close a sentence: " ' ” ’ ) ] */
function isCloser(c: number): boolean {
  return c === 34 || c === 39 || c === 0x201d || c === 0x2019 || c === 41 || c === 93;
}

/** Exactly the characters String.prototype.trim removes (WhiteSpace and LineTerminator). */
export function isTrimSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

export function splitSentences(text: string): string[] {
  const bounds: number[] = [];
  const n = sentenceBounds(text, bounds, []);
  const out: string[] = new Array(n);
  for (let k = 0; k < n; k++) out[k] = text.slice(bounds[2 * k] as number, bounds[2 * k + 1] as number);
  return out;
}

/**
 * Chars below 128 that stop the sentence scan's common path: the end marks . ! ? and the
 * newline. One table load per char instead of four comparisons: the scan's per-char branches
 * on the char's class are what it spends its time on (a letter, a space and a comma alternate,
 * so such branches are mispredicted), and the table leaves one branch that is almost never taken.
 */
const STOPS = new Uint8Array(128);
for (const c of '.!?\n') STOPS[c.charCodeAt(0)] = 1;

/**
 * The sentences of splitSentences as offsets, without the strings: sentence k is
 * text[bounds[2k], bounds[2k + 1]) and hashes[k] is hashRange of that range. Both arrays are
 * overwritten and left holding exactly these (callers reuse them); returns the number of sentences. Extraction looks most
 * sentences up in its cache by these hashes and offsets and never slices them (a repeated
 * sentence reuses the string from its first time).
 *
 * One pass that hashes each character once while it looks for the sentence's end, with a
 * single test per char on the common path (STOPS): the leading spaces are skipped in a loop of
 * their own, whether the sentence has a letter or digit is read at its end (from its first char
 * on: usually the first one is), and trailing spaces, which only a newline or the end of the text
 * can leave, are trimmed there too (the hash is then taken again over the trimmed range, rare).
 * The earlier scan classified every char (letter, space, end mark, other) and kept the last
 * non-space's offset and hash as it went: 0.148 -> 0.091 ms for the 200 turns of the llm-prose
 * session, 8.1 -> 5.2 ms for the 10k (micro-benchmark, median of 3000 and 40 passes).
 */
export function sentenceBounds(text: string, bounds: number[], hashes: number[]): number {
  const n = text.length;
  // Sentences found so far, written over the arrays' old entries; their lengths are set once at
  // the end. Emptying them first (`length = 0`) dropped their backing stores, so every turn grew
  // two new arrays by push (3.2 MB of the 10k-turn llm-prose run's 56 MB allocated, sampled).
  let count = 0;
  let i = 0;
  sentences: while (i < n) {
    let c = text.charCodeAt(i);
    // Spaces before the sentence (a newline ends an empty line).
    while (c < 128 ? c === 32 || (c >= 9 && c <= 13 && c !== 10) : isTrimSpace(c)) {
      if (++i >= n) break sentences;
      c = text.charCodeAt(i);
    }
    if (c === 10) {
      i++;
      continue;
    }
    const first = i;
    let h = FNV_OFFSET;
    // A non-ASCII char that may be a letter (HAS_WORD decides, only if no ASCII one is there).
    let maybeWord = false;
    for (;;) {
      if (c >= 128 || STOPS[c] === 1) {
        if (c === 10) {
          count = pushTrimmed(text, first, i, h, maybeWord, bounds, hashes, count);
          i++;
          continue sentences;
        }
        if (c >= 128 && c !== 0x2026) {
          // Non-ASCII, on the common path (a space among them: trimmed at the end if trailing).
          if (c !== 0x201d && c !== 0x2019 && !isTrimSpace(c)) maybeWord = true;
        } else {
          // FNV-1a's step (fnvStep) is written out: an imported function costs V8 a binding
          // and target check per call, and this loop runs once per char of every turn.
          h = Math.imul(h ^ c, 0x01000193);
          i++;
          // The run of end marks and the closers after it end the sentence (none is a letter).
          while (i < n) {
            const d = text.charCodeAt(i);
            if (!isEnd(d)) break;
            h = Math.imul(h ^ d, 0x01000193);
            i++;
          }
          while (i < n) {
            const d = text.charCodeAt(i);
            if (!isCloser(d)) break;
            h = Math.imul(h ^ d, 0x01000193);
            i++;
          }
          if (hasWord(text, first, i, maybeWord)) {
            bounds[2 * count] = first;
            bounds[2 * count + 1] = i;
            hashes[count++] = fnvFinish(h);
          }
          continue sentences;
        }
      }
      h = Math.imul(h ^ c, 0x01000193);
      if (++i >= n) break;
      c = text.charCodeAt(i);
    }
    count = pushTrimmed(text, first, n, h, maybeWord, bounds, hashes, count);
  }
  if (hashes.length !== count) {
    hashes.length = count;
    bounds.length = 2 * count;
  }
  return count;
}

/**
 * Records text[first, to) without its trailing spaces as sentence `count`, if it has a word;
 * `h`: the FNV-1a state over all of it. Returns the new count.
 */
function pushTrimmed(
  text: string,
  first: number,
  to: number,
  h: number,
  maybeWord: boolean,
  bounds: number[],
  hashes: number[],
  count: number,
): number {
  let end = to;
  while (end > first && isTrimSpace(text.charCodeAt(end - 1))) end--;
  if (!hasWord(text, first, end, maybeWord)) return count;
  bounds[2 * count] = first;
  bounds[2 * count + 1] = end;
  hashes[count] = end === to ? fnvFinish(h) : hashRange(text, first, end);
  return count + 1;
}

/** text[from, to) has a letter or digit: an ASCII one (most sentences open with one), else HAS_WORD when `maybeWord`. */
function hasWord(text: string, from: number, to: number, maybeWord: boolean): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (((c | 32) - 97) >>> 0 < 26 || (c - 48) >>> 0 < 10) return true;
  }
  return maybeWord && HAS_WORD.test(text.slice(from, to));
}

const WHITESPACE_RUN = /\s+/g;
const TWO_SPACES = / {2}/;
/** Whitespace (the `\s` set, i.e. isTrimSpace) other than the plain space. */
const NON_SPACE_WHITESPACE = /[\t-\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/**
 * `text.replace(/\s+/g, ' ')`, answering without the regex when there is nothing to collapse
 * (no whitespace but single spaces), the common case: it then returns `text` itself instead of
 * building a copy. With no other whitespace char, a run to collapse is two spaces: a literal
 * search and one character class, both run natively, ~25% faster than the char-code loop they
 * replace on the 10k-turn llm-prose turns (micro-benchmark, best of 60); the literal as a regex
 * (TWO_SPACES) rather than `includes('  ')`, which stops at every space (clean-text.ts).
 */
export function collapseWhitespace(text: string): string {
  return TWO_SPACES.test(text) || NON_SPACE_WHITESPACE.test(text) ? text.replace(WHITESPACE_RUN, ' ') : text;
}
