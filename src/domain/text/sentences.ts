/**
 * A deliberately simple sentence splitter: end punctuation (with trailing quotes or
 * brackets) followed by anything, or a newline. A hand-written scan rather than a regex:
 * it runs on every turn, and wink-nlp is not used here because splitting every turn
 * through the tagger would cost far more than the tagging we need
 * (see extraction/find-new-names.ts).
 */
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']']);
const HAS_WORD = /[\p{L}\p{N}]/u;

function isEnd(c: string): boolean {
  return c === '.' || c === '!' || c === '?' || c === '…';
}

export function splitSentences(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let start = 0;
  let i = 0;
  const emit = (end: number) => {
    const s = text.slice(start, end).trim();
    if (s.length > 0 && HAS_WORD.test(s)) out.push(s);
    start = end;
  };
  while (i < n) {
    const c = text[i] as string;
    if (c === '\n') {
      emit(i);
      i++;
      start = i;
      continue;
    }
    if (isEnd(c)) {
      i++;
      while (i < n && isEnd(text[i] as string)) i++;
      while (i < n && CLOSERS.has(text[i] as string)) i++;
      emit(i);
      continue;
    }
    i++;
  }
  if (start < n) emit(n);
  return out;
}
