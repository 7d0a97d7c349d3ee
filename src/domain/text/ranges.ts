/**
 * Hashing and comparing a range of a string by char codes, without slicing it: the tokenizer's
 * word table and extraction's sentence cache look text up this way, so a word or sentence
 * seen before costs no new string (and no V8 string hash, computed per new string object).
 */

/**
 * FNV-1a, in three steps so that scans which read the chars anyway (the sentence splitter, the
 * tokenizer) can hash while they read and still agree with hashRange: start with FNV_OFFSET,
 * fold each char code with fnvStep, finish with fnvFinish.
 */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export function fnvStep(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}
/** Folded to 30 bits so the hash stays a small integer (a Smi) as a Map key. */
export function fnvFinish(h: number): number {
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

/** FNV-1a over text[start, end). */
export function hashRange(text: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = fnvStep(h, text.charCodeAt(i));
  return fnvFinish(h);
}

/** `s` spells exactly text[start, end). */
export function equalsRange(s: string, text: string, start: number, end: number): boolean {
  if (s.length !== end - start) return false;
  for (let i = start; i < end; i++) if (s.charCodeAt(i - start) !== text.charCodeAt(i)) return false;
  return true;
}
