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

/** A-Z, a-z or 0-9, by arithmetic: a table load costs V8 a map, length and bounds check per char. */
function isAsciiWord(c: number): boolean {
  return ((c | 32) - 97) >>> 0 < 26 || (c - 48) >>> 0 < 10;
}

/** text[i] starts a word char; `to` bounds the text read (a surrogate pair is not read past it). */
function isWord(text: string, i: number, to: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 128) return isAsciiWord(c);
  if (c >= 0xd800 && c <= 0xdfff) return WORD_CHAR.test(text.slice(i, Math.min(i + 2, to)));
  return WORD_CHAR.test(text[i] as string);
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
  scanTokens(text, 0, text.length, out, null);
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
    scanTokens(text, 0, text.length, this.out, this.pool);
    return this.out;
  }

  /**
   * The tokens of text[from, to), as `tokenize(text.slice(from, to))` gives them (offsets from
   * `from`), read from `text` itself: extraction passes the turn and a sentence's bounds, and a
   * flat turn string costs V8 half the per-char representation checks of a sentence sliced from
   * it (the 438 distinct sentences of the 200-turn llm-prose session: 4.48 M instructions per
   * pass as slices, 3.98 M read from the turns; callgrind).
   */
  tokenizeRange(text: string, from: number, to: number): Token[] {
    scanTokens(text, from, to, this.out, this.pool);
    return this.out;
  }
}

/** Flags of a word while it is read. */
const CAPITAL = 1;
const NON_ASCII = 2;

/**
 * Writes text's tokens over `out` and leaves it holding exactly those; with a `pool`, its Token
 * objects are reused (TokenBuffer). Written by index, with the length set once at the end: the
 * buffer's array was emptied (`length = 0`) before each sentence, which drops its backing store,
 * so every sentence grew a new one by push (part of scanTokens' 3.7 MB of the 10k-turn llm-prose
 * run's 56 MB allocated, sampled).
 *
 * Each char is read once (the char that ends a word is not read again to skip it), and an ASCII
 * word's first 12 chars are packed as they are read, 7 bits each and 4 to a number: with the
 * length that is an exact key for the word table, so finding the word's strings re-reads no char
 * (the earlier FNV hash + compare against the stored string read every word twice, and each
 * charCodeAt on a sentence, a sliced string, costs V8 a two-step representation check). Classes
 * by arithmetic, not a Uint8Array, and no calls to imported helpers in the loop (each costs a
 * binding and target check per char). Tokenizing the 438 distinct sentences of the 200-turn
 * llm-prose session: 7.09 M -> 4.41 M instructions (callgrind, scratch harness, 150 minus 50
 * passes after 300 warm-up).
 */
function scanTokens(text: string, from: number, to: number, out: Token[], pool: Token[] | null): void {
  const n = to;
  let lowered: string | null = null;
  let count = 0;
  let i = from;
  while (i < n) {
    let c = text.charCodeAt(i);
    // isAsciiWord written out in the two per-char tests: even a local function costs V8 a
    // target check per call.
    if (c < 128 ? !(((c | 32) - 97) >>> 0 < 26 || (c - 48) >>> 0 < 10) : !isWord(text, i, n)) {
      i++;
      continue;
    }
    const start = i;
    const first = c;
    let p0 = 0;
    let p1 = 0;
    let p2 = 0;
    let flags = 0;
    // Where the word's last apostrophe joiner is: a possessive "'s" has it 2 from the end
    // (-2 matches no end: a word ends at 1 or later).
    let apostropheAt = -2;
    for (;;) {
      // c = text[i], a word char or a joiner followed by one.
      if (c < 128) {
        if ((c - 65) >>> 0 < 26) flags |= CAPITAL;
        const k = i - start;
        if (k < 4) p0 = (p0 << 7) | c;
        else if (k < 8) p1 = (p1 << 7) | c;
        else if (k < 12) p2 = (p2 << 7) | c;
      } else flags |= NON_ASCII;
      i++;
      if (i >= n) break;
      c = text.charCodeAt(i);
      if (c < 128 ? ((c | 32) - 97) >>> 0 < 26 || (c - 48) >>> 0 < 10 : isWord(text, i, n)) continue;
      // A joiner (' ’ -) followed by a word char: both are the word's.
      if (!((c === 39 || c === 0x2019 || c === 45) && i + 1 < n && isWord(text, i + 1, n))) break;
      if (c !== 45) apostropheAt = i;
    }
    let end = i;
    i++; // text[end] ends the word: not a word char, so no need to read it again
    // A possessive "'s": the word is what comes before it. Found from what the loop saw, so a
    // word's end costs no re-read (each charCodeAt on a sliced string costs V8 ~25 instructions).
    if (apostropheAt === end - 2) {
      const last = text.charCodeAt(end - 1);
      if (last === 115 || last === 83) {
        // Rare: the key and flags are read again for the shorter word.
        end -= 2;
        flags = packKey(text, start, end);
        p0 = key0;
        p1 = key1;
        p2 = key2;
      }
    }
    let word: string;
    let lower: string;
    let cap: boolean;
    if ((flags & NON_ASCII) === 0 && end - start < MAX_INTERNED) {
      // ASCII: the word's strings come from the table (`cap` is the first char being A-Z).
      const at = internAscii(text, start, end, p0, p1, p2, (flags & CAPITAL) !== 0);
      word = WORDS[at] as string;
      lower = WORDS[at + 1] as string;
      cap = (first - 65) >>> 0 < 26;
    } else {
      word = text.slice(start, end);
      const f = word.charCodeAt(0);
      cap = f < 128 ? f >= 65 && f <= 90 : UPPER.test(word[0] as string);
      lower = word;
      const cls = (flags & NON_ASCII) !== 0 ? caseClass(text, start, end) : (flags & CAPITAL) !== 0 ? 1 : 0;
      if (cls === 1) lower = word.toLowerCase();
      else if (cls === 2) {
        lowered ??= text.slice(from, to).toLowerCase();
        lower = lowered.length === to - from ? lowered.slice(start - from, end - from) : word.toLowerCase();
      }
    }
    const tokStart = start - from;
    const tokEnd = end - from;
    if (pool === null) {
      out[count++] = { text: word, lower, start: tokStart, end: tokEnd, cap };
      continue;
    }
    const t = pool[count];
    if (t === undefined) {
      const fresh = { text: word, lower, start: tokStart, end: tokEnd, cap };
      pool.push(fresh);
      out[count++] = fresh;
      continue;
    }
    t.text = word;
    t.lower = lower;
    t.start = tokStart;
    t.end = tokEnd;
    t.cap = cap;
    out[count++] = t;
  }
  if (out.length !== count) out.length = count;
}

/** Packed key of text[start, end) as scanTokens builds it, in key0..key2; returns its flags. */
let key0 = 0;
let key1 = 0;
let key2 = 0;
function packKey(text: string, start: number, end: number): number {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let flags = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) {
      flags |= NON_ASCII;
      continue;
    }
    if ((c - 65) >>> 0 < 26) flags |= CAPITAL;
    const k = i - start;
    if (k < 4) p0 = (p0 << 7) | c;
    else if (k < 8) p1 = (p1 << 7) | c;
    else if (k < 12) p2 = (p2 << 7) | c;
  }
  key0 = p0;
  key1 = p1;
  key2 = p2;
  return flags;
}

/**
 * ASCII words by content, shared by every call: a session's vocabulary is a few thousand
 * words, so nearly every token takes its two strings from here instead of slicing new ones.
 * Besides the allocation, that saves hashing: the matchers look each token key up in several
 * Sets and Maps, and a fresh string is hashed on its first look-up, an interned one once ever.
 * Open addressing on the packed key (scanTokens); emptied when half full, so memory stays
 * bounded whatever the input (a cleared table only costs re-slicing). Small on purpose (a
 * 10k-turn llm-prose session has ~600 distinct words): a table that fits in cache is faster.
 * Words of 13 chars or more are left out: V8 keeps those slices as views of the whole turn text,
 * which the table would then keep alive (and the packed key holds 12 chars).
 */
const WORD_SLOTS = 1 << 13;
const SLOT_BITS = 13;
const MAX_INTERNED = 13;
/** Slot s's key at [4s, 4s + 4): the three packed numbers and the length (0: empty slot). */
const WORD_KEYS = new Int32Array(4 * WORD_SLOTS);
/** Slot s's word at [2s] and its lower-case key at [2s + 1] (the same string when all lower case). */
const WORDS: Array<string | undefined> = new Array(2 * WORD_SLOTS).fill(undefined);
let wordCount = 0;

/**
 * Where text[start, end) is in WORDS (inserted when new). p0, p1, p2: its chars packed by
 * scanTokens. `upper`: the word has capitals.
 */
function internAscii(text: string, start: number, end: number, p0: number, p1: number, p2: number, upper: boolean): number {
  const len = end - start;
  const keys = WORD_KEYS;
  let slot = Math.imul(p0 ^ Math.imul(p1, 0x9e3779b1) ^ Math.imul(p2 + len, 0x85ebca77), 0xc2b2ae3d) >>> (32 - SLOT_BITS);
  for (;;) {
    const b = 4 * slot;
    const l = keys[b + 3];
    if (l === 0) break;
    if (l === len && keys[b] === p0 && keys[b + 1] === p1 && keys[b + 2] === p2) return 2 * slot;
    slot = (slot + 1) & (WORD_SLOTS - 1);
  }
  if (wordCount >= WORD_SLOTS >> 1) {
    WORDS.fill(undefined);
    keys.fill(0);
    wordCount = 0;
    return internAscii(text, start, end, p0, p1, p2, upper);
  }
  const word = text.slice(start, end);
  const b = 4 * slot;
  keys[b] = p0;
  keys[b + 1] = p1;
  keys[b + 2] = p2;
  keys[b + 3] = len;
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
