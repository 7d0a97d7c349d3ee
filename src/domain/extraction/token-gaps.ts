/**
 * The punctuation between two tokens, read in place from the sentence text: which clause marks a gap
 * holds, and where a parenthetical set off by commas opens and closes.
 */
import type { Token } from '../text/tokens.js';

export const COMMA = 1;
export const SEMICOLON = 2;
export const COLON = 4;
export const EM_DASH = 8;
export const CLAUSE_PUNCT = COMMA | SEMICOLON | COLON;

/**
 * Does text[from, to) (the gap between two tokens) hold one of the `mask` marks? Read in place:
 * a slice and a regex per gap were a large share of change detection's cost.
 */
export function punctIn(text: string, from: number, to: number, mask: number): boolean {
  for (let p = from; p < to; p++) {
    const c = text.charCodeAt(p);
    const mark = c === 44 ? COMMA : c === 59 ? SEMICOLON : c === 58 ? COLON : c === 0x2014 || c === 0x2013 ? EM_DASH : 0;
    if ((mark & mask) !== 0) return true;
  }
  return false;
}

/** When a comma stands right before token `at`: the token before the comma that opens that parenthetical, else -1. */
export function openingComma(text: string, tokens: Token[], at: number): number {
  const prev = tokens[at - 1];
  if (!prev || !punctIn(text, prev.end, (tokens[at] as Token).start, COMMA)) return -1;
  for (let j = at - 2; j >= 0; j--) if (punctIn(text, (tokens[j] as Token).end, (tokens[j + 1] as Token).start, COMMA)) return j;
  return -1;
}

/** How far a parenthetical set off by commas may run: the token after its closing comma, or -1. */
const MAX_PARENTHETICAL = 16;
export function closingComma(text: string, tokens: Token[], from: number): number {
  for (let k = from + 1; k < tokens.length && k <= from + MAX_PARENTHETICAL; k++) {
    const gap = (tokens[k - 1] as Token).end;
    if (punctIn(text, gap, (tokens[k] as Token).start, SEMICOLON | COLON)) return -1;
    if (punctIn(text, gap, (tokens[k] as Token).start, COMMA)) return k;
  }
  return -1;
}
