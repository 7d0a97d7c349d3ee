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

/** A letter or digit in text[start, end): ASCII by char code, the regex only for non-ASCII text. */
function hasWord(text: string, start: number, end: number): boolean {
  let nonAscii = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) nonAscii = true;
    else if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return true;
  }
  return nonAscii && HAS_WORD.test(text.slice(start, end));
}

export function splitSentences(text: string): string[] {
  const bounds: number[] = [];
  const n = sentenceBounds(text, bounds);
  const out: string[] = new Array(n);
  for (let k = 0; k < n; k++) out[k] = text.slice(bounds[2 * k] as number, bounds[2 * k + 1] as number);
  return out;
}

/**
 * The sentences of splitSentences as offsets, without the strings: sentence k is
 * text[bounds[2k], bounds[2k + 1]). `bounds` is emptied first (callers reuse one array);
 * returns the number of sentences. Extraction looks most sentences up in its cache by these
 * offsets and never slices them (a repeated sentence reuses the string from its first time).
 */
export function sentenceBounds(text: string, bounds: number[]): number {
  bounds.length = 0;
  const n = text.length;
  let start = 0;
  let i = 0;
  // Trims by index: slice-then-trim made two strings per sentence.
  const emit = (end: number) => {
    let s = start;
    let e = end;
    while (s < e && isTrimSpace(text.charCodeAt(s))) s++;
    while (e > s && isTrimSpace(text.charCodeAt(e - 1))) e--;
    if (e > s && hasWord(text, s, e)) bounds.push(s, e);
    start = end;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      emit(i);
      i++;
      start = i;
      continue;
    }
    if (isEnd(c)) {
      i++;
      while (i < n && isEnd(text.charCodeAt(i))) i++;
      while (i < n && isCloser(text.charCodeAt(i))) i++;
      emit(i);
      continue;
    }
    i++;
  }
  if (start < n) emit(n);
  return bounds.length >> 1;
}

const WHITESPACE_RUN = /\s+/g;

/**
 * `text.replace(/\s+/g, ' ')`, answering from a char-code scan when there is nothing to
 * collapse (no whitespace but single spaces), the common case: it then returns `text` itself
 * instead of running the regex and building a copy. `\s` is exactly the isTrimSpace set.
 */
export function collapseWhitespace(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isTrimSpace(c) && (c !== 32 || isTrimSpace(text.charCodeAt(i + 1)))) return text.replace(WHITESPACE_RUN, ' ');
  }
  return text;
}
