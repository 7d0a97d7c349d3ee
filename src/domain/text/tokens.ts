import { equalsRange, FNV_OFFSET, fnvFinish, fnvStep, hashRange } from './ranges.js';

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

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;
const UPPER = /\p{Lu}/u;

// ASCII classes precomputed: the tokenizer runs on every sentence of every turn, and a
// regex per character (or per token) was the largest single cost of extraction.
const ASCII_WORD = new Uint8Array(128);
for (let c = 48; c <= 57; c++) ASCII_WORD[c] = 1;
for (let c = 65; c <= 90; c++) ASCII_WORD[c] = 1;
for (let c = 97; c <= 122; c++) ASCII_WORD[c] = 1;

function isWord(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 128) return ASCII_WORD[c] === 1;
  if (c >= 0xd800 && c <= 0xdfff) return WORD_CHAR.test(text.slice(i, i + 2));
  return WORD_CHAR.test(text[i] as string);
}

function isJoiner(c: number): boolean {
  return c === 39 || c === 0x2019 || c === 45; // ' ’ -
}

/** 0: lower-case ASCII (already its own key); 1: ASCII with upper case; 2: non-ASCII. */
function caseClass(text: string, start: number, end: number): 0 | 1 | 2 {
  let cls: 0 | 1 = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) return 2;
    if (c >= 65 && c <= 90) cls = 1;
  }
  return cls;
}

/**
 * One pass of char-code scanning that reads each character once: word characters, glued
 * by a joiner ("Ash-Vale", "don't"), while noting the word's case class. Most tokens are
 * lower-case ASCII, so the word itself is its look-up key and costs no second string;
 * ASCII words with capitals lower-case just the word; only non-ASCII words use the
 * sentence lowered once (lazily), because case mapping there can depend on context or
 * change the length (e.g. "İ"), in which case offsets would drift and we lower the word.
 */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  scanTokens(text, out, null);
  return out;
}

/**
 * Tokens for the sentence loop of extraction, reused from call to call: the returned array and
 * its Token objects are overwritten by the next `tokenize` on the same buffer, so a caller must
 * be done with one sentence's tokens before it tokenizes the next (extraction keeps hits as token
 * indices, never the tokens). About 16 tokens per sentence at ~40 bytes each were the largest
 * allocation of extraction, and the young-generation collections they caused a large share of
 * its GC time: reusing them took tokenize + matching of the 10,010 distinct sentences of the
 * 10k-turn llm-prose transcript from ~14 ms to ~7 ms (micro-benchmark, quiet machine).
 */
export class TokenBuffer {
  private readonly out: Token[] = [];
  private readonly pool: Token[] = [];

  tokenize(text: string): Token[] {
    this.out.length = 0;
    scanTokens(text, this.out, this.pool);
    return this.out;
  }
}

/** Appends text's tokens to `out`; with a `pool`, its Token objects are reused (TokenBuffer). */
function scanTokens(text: string, out: Token[], pool: Token[] | null): void {
  const n = text.length;
  let lowered: string | null = null;
  let i = 0;
  while (i < n) {
    if (!isWord(text, i)) {
      i++;
      continue;
    }
    const start = i;
    let cls: 0 | 1 | 2 = 0;
    // FNV-1a of the word as it is read (the same as hashRange): internAscii needs no second
    // pass over the chars. Only the rare words the cls === 2 path recomputes are hashed again.
    let h = FNV_OFFSET;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 128 && ASCII_WORD[c] === 1) {
        if (c <= 90 && c >= 65) cls = cls === 2 ? 2 : 1;
        h = fnvStep(h, c);
        i++;
      } else if (c >= 128 && isWord(text, i)) {
        cls = 2;
        i++;
      } else if (isJoiner(c) && i + 1 < n && isWord(text, i + 1)) {
        cls = 2; // rare enough that the exact class (and the hash) is recomputed below
        i += 2;
      } else break;
    }
    let end = i;
    const c2 = text.charCodeAt(end - 2);
    const last = text.charCodeAt(end - 1);
    // A possessive has a joiner, so cls is 2 here and the hash is recomputed for the shorter word.
    if (end - start > 2 && (last === 115 || last === 83) && (c2 === 39 || c2 === 0x2019)) end -= 2;
    let hash = fnvFinish(h);
    if (cls === 2) {
      cls = caseClass(text, start, end);
      if (cls !== 2) hash = hashRange(text, start, end);
    }
    let word: string;
    let lower: string;
    let cap: boolean;
    if (cls !== 2 && end - start < MAX_INTERNED) {
      // ASCII: the word's strings come from the table (`cap` is the first char being A-Z).
      const at = internAscii(text, start, end, hash, cls === 1);
      const f = text.charCodeAt(start);
      word = WORDS[at] as string;
      lower = WORDS[at + 1] as string;
      cap = f >= 65 && f <= 90;
    } else {
      word = text.slice(start, end);
      const f = word.charCodeAt(0);
      cap = f < 128 ? f >= 65 && f <= 90 : UPPER.test(word[0] as string);
      lower = word;
      if (cls === 1) lower = word.toLowerCase();
      else if (cls === 2) {
        lowered ??= text.toLowerCase();
        lower = lowered.length === n ? lowered.slice(start, end) : word.toLowerCase();
      }
    }
    if (pool === null) {
      out.push({ text: word, lower, start, end, cap });
      continue;
    }
    const t = pool[out.length];
    if (t === undefined) {
      const fresh = { text: word, lower, start, end, cap };
      pool.push(fresh);
      out.push(fresh);
      continue;
    }
    t.text = word;
    t.lower = lower;
    t.start = start;
    t.end = end;
    t.cap = cap;
    out.push(t);
  }
}

/**
 * ASCII words by content, shared by every call: a session's vocabulary is a few thousand
 * words, so nearly every token takes its two strings from here instead of slicing new ones.
 * Besides the allocation, that saves hashing: the matchers look each token key up in several
 * Sets and Maps, and a fresh string is hashed on its first look-up, an interned one once ever.
 * Open addressing on hashRange (FNV-1a of the char codes); emptied when half full, so memory stays
 * bounded whatever the input (a cleared table only costs re-slicing). Small on purpose (a
 * 10k-turn llm-prose session has ~600 distinct words): a table that fits in cache is faster.
 * Words of 13 chars or more are left out: V8 keeps those slices as views of the whole turn text,
 * which the table would then keep alive.
 */
const WORD_SLOTS = 1 << 13;
const MAX_INTERNED = 13;
const WORD_HASH = new Int32Array(WORD_SLOTS);
/** Slot i's word at [2i] and its lower-case key at [2i + 1] (the same string when all lower case). */
const WORDS: Array<string | undefined> = new Array(2 * WORD_SLOTS).fill(undefined);
let wordCount = 0;

/**
 * Where text[start, end) is in WORDS (inserted when new). `h`: its hashRange, computed by the
 * caller while scanning. `upper`: the word has capitals.
 */
function internAscii(text: string, start: number, end: number, h: number, upper: boolean): number {
  let slot = h & (WORD_SLOTS - 1);
  for (;;) {
    const w = WORDS[2 * slot];
    if (w === undefined) break;
    if (WORD_HASH[slot] === h && equalsRange(w, text, start, end)) return 2 * slot;
    slot = (slot + 1) & (WORD_SLOTS - 1);
  }
  if (wordCount >= WORD_SLOTS >> 1) {
    WORDS.fill(undefined);
    wordCount = 0;
    slot = h & (WORD_SLOTS - 1);
  }
  const word = text.slice(start, end);
  WORD_HASH[slot] = h;
  WORDS[2 * slot] = word;
  WORDS[2 * slot + 1] = upper ? word.toLowerCase() : word;
  wordCount++;
  return 2 * slot;
}

/** Lower-case keys for a name; a leading article is optional in text so we drop it. */
export function nameKeys(name: string): string[] {
  const keys = tokenize(name).map((t) => t.lower);
  if (keys.length > 1 && (keys[0] === 'the' || keys[0] === 'a' || keys[0] === 'an')) keys.shift();
  return keys;
}
