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
  const out: string[] = [];
  const n = text.length;
  let start = 0;
  let i = 0;
  // Trims by index and slices once: slice-then-trim made two strings per sentence.
  const emit = (end: number) => {
    let s = start;
    let e = end;
    while (s < e && isTrimSpace(text.charCodeAt(s))) s++;
    while (e > s && isTrimSpace(text.charCodeAt(e - 1))) e--;
    if (e > s && hasWord(text, s, e)) out.push(text.slice(s, e));
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
  return out;
}
