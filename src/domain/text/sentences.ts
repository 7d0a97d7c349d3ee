/**
 * A deliberately simple sentence splitter: end punctuation (with trailing quotes or
 * brackets) followed by whitespace, or a newline. Compiled once; wink-nlp is not used here
 * because splitting every turn through the tagger would cost far more than the tagging
 * we actually need (see extraction/new-entity-candidates.ts).
 */
const SENTENCE = /[^.!?…\n]+(?:[.!?…]+["'”’)\]]*|\n|$)/g;

export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(SENTENCE)) {
    const s = m[0].trim();
    if (s.length > 0 && /[\p{L}\p{N}]/u.test(s)) out.push(s);
  }
  return out;
}
