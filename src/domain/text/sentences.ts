import { FNV_OFFSET, fnvFinish } from './ranges.js';
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

// Character classes of the scan (letters and digits take a path of their own).
const OTHER = 0;
const SPACE = 2;
const NEWLINE = 3;
const END = 4;

/**
 * The sentences of splitSentences as offsets, without the strings: sentence k is
 * text[bounds[2k], bounds[2k + 1]) and hashes[k] is hashRange of that range. Both arrays are
 * emptied first (callers reuse them); returns the number of sentences. Extraction looks most
 * sentences up in its cache by these hashes and offsets and never slices them (a repeated
 * sentence reuses the string from its first time).
 *
 * One pass that reads each character once: it trims, checks for a letter or digit and hashes
 * while it looks for the sentence's end. The earlier version found the ends first, then re-read
 * every sentence to trim it and check for a word (from a closure that wrote the captured
 * `start`), and extraction read it once more to hash it: on the 10k-turn llm-prose text (1.9 M
 * chars) bounds + hashes took 173 M instructions, this scan 118 M (callgrind, 10 passes minus 0).
 */
export function sentenceBounds(text: string, bounds: number[], hashes: number[]): number {
  bounds.length = 0;
  hashes.length = 0;
  const n = text.length;
  // The current sentence: its first non-space (-1 until it has one), one past its last
  // non-space, the hash running from `first` and its value at `end` (trailing spaces are hashed
  // as they come, and dropped by keeping hEnd), whether it has an ASCII letter or digit, and
  // whether it has a non-ASCII character that may be one.
  let first = -1;
  let end = 0;
  let h = 0;
  let hEnd = 0;
  let word = false;
  let maybeWord = false;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    i++;
    // FNV-1a's step (fnvStep) is written out here: an imported function costs V8 a binding
    // and target check per call, and this loop runs once per char of every turn.
    // Letters and digits first, by arithmetic: most chars of prose, and all they need is "word".
    if (((c | 32) - 97) >>> 0 < 26 || (c - 48) >>> 0 < 10) {
      if (first < 0) {
        first = i - 1;
        h = FNV_OFFSET;
        maybeWord = false;
      }
      h = Math.imul(h ^ c, 0x01000193);
      // The rest of the word in a loop of its own: only the hash changes per char, and the
      // sentence's state is written once per word rather than once per char.
      while (i < n) {
        const d = text.charCodeAt(i);
        if (!(((d | 32) - 97) >>> 0 < 26 || (d - 48) >>> 0 < 10)) break;
        h = Math.imul(h ^ d, 0x01000193);
        i++;
      }
      word = true;
      end = i;
      hEnd = h;
      continue;
    }
    const cls =
      c < 128
        ? c === 32 || (c >= 9 && c <= 13 && c !== 10)
          ? SPACE
          : c === 10
            ? NEWLINE
            : c === 33 || c === 46 || c === 63
              ? END
              : OTHER
        : c === 0x2026
          ? END
          : isTrimSpace(c)
            ? SPACE
            : OTHER;
    if (cls === SPACE) {
      if (first >= 0) h = Math.imul(h ^ c, 0x01000193);
      continue;
    }
    if (cls === NEWLINE) {
      if (first >= 0 && (word || (maybeWord && HAS_WORD.test(text.slice(first, end))))) push(bounds, hashes, first, end, hEnd);
      first = -1;
      continue;
    }
    if (first < 0) {
      first = i - 1;
      h = FNV_OFFSET;
      word = false;
      maybeWord = false;
    }
    h = Math.imul(h ^ c, 0x01000193);
    if (c >= 128 && cls === OTHER && c !== 0x201d && c !== 0x2019) maybeWord = true;
    if (cls === END) {
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
      if (word || (maybeWord && HAS_WORD.test(text.slice(first, i)))) push(bounds, hashes, first, i, h);
      first = -1;
      continue;
    }
    end = i;
    hEnd = h;
  }
  if (first >= 0 && (word || (maybeWord && HAS_WORD.test(text.slice(first, end))))) push(bounds, hashes, first, end, hEnd);
  return hashes.length;
}

/** Records text[start, end) and its FNV-1a state, folded as hashRange folds it. */
function push(bounds: number[], hashes: number[], start: number, end: number, h: number): void {
  bounds.push(start, end);
  hashes.push(fnvFinish(h));
}

const WHITESPACE_RUN = /\s+/g;
/** Whitespace (the `\s` set, i.e. isTrimSpace) other than the plain space. */
const NON_SPACE_WHITESPACE = /[\t-\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/**
 * `text.replace(/\s+/g, ' ')`, answering without the regex when there is nothing to collapse
 * (no whitespace but single spaces), the common case: it then returns `text` itself instead of
 * building a copy. With no other whitespace char, a run to collapse is two spaces: a substring
 * search and one character class, both run natively, ~25% faster than the char-code loop they
 * replace on the 10k-turn llm-prose turns (micro-benchmark, best of 60).
 */
export function collapseWhitespace(text: string): string {
  return text.includes('  ') || NON_SPACE_WHITESPACE.test(text) ? text.replace(WHITESPACE_RUN, ' ') : text;
}
