/**
 * Hashing and comparing a range of a string by char codes, without slicing it: the tokenizer's
 * word table and extraction's sentence cache look text up this way, so a word or sentence
 * seen before costs no new string (and no V8 string hash, computed per new string object).
 */

/** FNV-1a over text[start, end), folded to 30 bits so it stays a small integer (a Smi) as a Map key. */
export function hashRange(text: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

/** `s` spells exactly text[start, end). */
export function equalsRange(s: string, text: string, start: number, end: number): boolean {
  if (s.length !== end - start) return false;
  for (let i = start; i < end; i++) if (s.charCodeAt(i - start) !== text.charCodeAt(i)) return false;
  return true;
}
