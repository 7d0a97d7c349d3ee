import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPrng } from '../../../src/demo/prng.js';
import { hashRange } from '../../../src/domain/text/ranges.js';
import { collapseWhitespace, isTrimSpace, sentenceBounds, splitSentences } from '../../../src/domain/text/sentences.js';
import { KeyFilter } from '../../../src/domain/text/key-filter.js';
import { TokenBuffer, tokenize } from '../../../src/domain/text/tokens.js';
import { slugify } from '../../../src/domain/world/types.js';

/**
 * The sentence splitter and tokenizer are hand-tuned char-code scanners. These reference
 * versions are the straightforward originals (per-character strings, a regex per sentence,
 * the whole sentence lower-cased); the fast ones must agree with them on any input.
 */
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;
const UPPER = /\p{Lu}/u;
function refIsWord(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdfff) return WORD_CHAR.test(text.slice(i, i + 2));
  return WORD_CHAR.test(text[i] as string);
}
function refTokenize(text: string) {
  const out: Array<{ text: string; lower: string; start: number; end: number; cap: boolean }> = [];
  const n = text.length;
  const lowered = text.toLowerCase();
  let i = 0;
  while (i < n) {
    if (!refIsWord(text, i)) {
      i++;
      continue;
    }
    const start = i;
    while (i < n) {
      if (refIsWord(text, i)) i++;
      else if (/['’-]/.test(text[i] as string) && i + 1 < n && refIsWord(text, i + 1)) i += 2;
      else break;
    }
    let end = i;
    if (end - start > 2 && /['’][sS]$/.test(text.slice(start, end))) end -= 2;
    const word = text.slice(start, end);
    out.push({
      text: word,
      lower: lowered.length === n ? lowered.slice(start, end) : word.toLowerCase(),
      start,
      end,
      cap: UPPER.test(word[0] as string),
    });
  }
  return out;
}
function refSplit(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const emit = (end: number) => {
    const s = text.slice(start, end).trim();
    if (s.length > 0 && /[\p{L}\p{N}]/u.test(s)) out.push(s);
    start = end;
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') {
      emit(i);
      start = ++i;
    } else if (/[.!?…]/.test(c)) {
      while (i < text.length && /[.!?…]/.test(text[i] as string)) i++;
      while (i < text.length && /["'”’)\]]/.test(text[i] as string)) i++;
      emit(i);
    } else i++;
  }
  if (start < text.length) emit(text.length);
  return out;
}

const ALPHABET = [
  'a',
  'b',
  'Z',
  'Q',
  's',
  'S',
  '7',
  ' ',
  ' ',
  ' ',
  '.',
  '!',
  '?',
  '…',
  '\n',
  '\t',
  "'",
  '’',
  '-',
  '"',
  '”',
  ')',
  ']',
  ',',
  'é',
  'É',
  'İ',
  'ß',
  'Σ',
  'ς',
  '\u0301',
  '\u00a0',
  '\u3000',
  '\u2028',
  '\ufeff',
  '😀',
  '𝐀',
  '\ud800',
  '中',
];
function randomText(rand: () => number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}

describe('text scanning (char-code fast paths)', () => {
  test('tokenize agrees with the reference tokenizer on random and tricky text', () => {
    const fixed = [
      "Ashgrove's gate",
      "The IRON-TITHE's keep",
      'İstanbul and Ashgrove',
      'ΣΊΣΥΦΟΣ walks',
      'naïve Café’S',
      'x’s',
      "A's",
      // Around the 12 chars the word table's packed key holds, and possessives after a joiner.
      "abcdefghijkl's abcdefghijklm's ABCDEFGHIJK’S",
      "Ash-Vale's don't-stop's O'Neill's",
    ];
    const rand = createPrng(11);
    for (const t of [...fixed, ...Array.from({ length: 3000 }, () => randomText(rand, 1 + Math.floor(rand() * 40)))]) {
      assert.deepEqual(tokenize(t), refTokenize(t), JSON.stringify(t));
    }
  });

  test('splitSentences agrees with the reference splitter on random and tricky text', () => {
    const fixed = ['One. Two!  Three?" Four…) five\n\nsix', '  ...  ', '\u00a0Hello.\u3000', 'a.\u2028b'];
    const rand = createPrng(12);
    for (const t of [...fixed, ...Array.from({ length: 3000 }, () => randomText(rand, 1 + Math.floor(rand() * 60)))]) {
      assert.deepEqual(splitSentences(t), refSplit(t), JSON.stringify(t));
    }
  });

  test('sentenceBounds hashes each sentence as hashRange does', () => {
    const rand = createPrng(14);
    const bounds: number[] = [];
    const hashes: number[] = [];
    for (const t of [
      'One. Two!  Three?" Four…) five\n\nsix',
      ...Array.from({ length: 3000 }, () => randomText(rand, 1 + Math.floor(rand() * 60))),
    ]) {
      const n = sentenceBounds(t, bounds, hashes);
      assert.equal(hashes.length, n);
      for (let k = 0; k < n; k++)
        assert.equal(hashes[k], hashRange(t, bounds[2 * k] as number, bounds[2 * k + 1] as number), JSON.stringify(t));
    }
  });

  test('isTrimSpace matches String.prototype.trim for every UTF-16 code unit', () => {
    for (let c = 0; c <= 0xffff; c++) assert.equal(isTrimSpace(c), String.fromCharCode(c).trim() === '', `U+${c.toString(16)}`);
  });

  test('tokenize stays exact past the word table capacity (it is emptied and refilled)', () => {
    // 20,000 distinct ASCII words, mixed case and lengths around the 13-char interning limit.
    const words = Array.from({ length: 20_000 }, (_, i) => {
      const w = i.toString(36).replace(/[0-9]/g, (d) => String.fromCharCode(103 + Number(d)));
      return (i % 3 === 0 ? w.toUpperCase() : w) + 'x'.repeat(i % 14);
    });
    for (let i = 0; i < words.length; i += 50) {
      const t = `${words.slice(i, i + 50).join(' ')}. ${words.slice(0, 5).join(' ')}`;
      assert.deepEqual(tokenize(t), refTokenize(t));
    }
  });

  test('collapseWhitespace is replace(/\\s+/g, " ") on random and tricky text', () => {
    const fixed = ['plain text', 'two  spaces', 'tab\there', 'end ', ' start', 'nbsp\u00a0x', 'line\u2028x', '', ' '];
    const rand = createPrng(13);
    for (const t of [...fixed, ...Array.from({ length: 3000 }, () => randomText(rand, 1 + Math.floor(rand() * 40)))]) {
      assert.equal(collapseWhitespace(t), t.replace(/\s+/g, ' '), JSON.stringify(t));
    }
  });

  test('slugify (ASCII char-code path) equals the NFKD + regex chain on random and tricky names', () => {
    const ref = (name: string) =>
      name
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 80);
    const fixed = ['the Kite Guild', '  --Ash-Vale--  ', "Orsk Dane's", 'A'.repeat(79) + ' b', '', '---', 'Café Noir', 'x9 Y0'];
    const rand = createPrng(14);
    const random = Array.from({ length: 3000 }, () => randomText(rand, 1 + Math.floor(rand() * 100)));
    // Each random name also reduced to printable ASCII, so the ASCII path sees it.
    for (const t of [...fixed, ...random, ...random.map((r) => r.replace(/[^ -~]/g, ''))]) {
      assert.equal(slugify(t), ref(t), JSON.stringify(t));
    }
  });

  test('TokenBuffer.tokenizeRange gives the tokens of the slice, offsets from its start', () => {
    const rand = createPrng(15);
    const buf = new TokenBuffer();
    const bounds: number[] = [];
    const hashes: number[] = [];
    for (const t of [
      "Ashgrove's gate. The IRON-TITHE's keep! naïve Café’S x’s",
      ...Array.from({ length: 2000 }, () => randomText(rand, 1 + Math.floor(rand() * 60))),
    ]) {
      const n = sentenceBounds(t, bounds, hashes);
      const ranges: Array<[number, number]> = [[0, t.length]];
      for (let k = 0; k < n; k++) ranges.push([bounds[2 * k] as number, bounds[2 * k + 1] as number]);
      const from = Math.floor(rand() * t.length);
      ranges.push([from, from + Math.floor(rand() * (t.length - from + 1))]);
      for (const [a, b] of ranges)
        assert.deepEqual(
          buf.tokenizeRange(t, a, b).map((x) => ({ ...x })),
          refTokenize(t.slice(a, b)),
          `${JSON.stringify(t)} [${a}, ${b})`,
        );
    }
  });

  test('lower-case ASCII tokens reuse the word as their key', () => {
    const [t] = tokenize('harbour');
    assert.equal(t?.lower, 'harbour');
    assert.equal(tokenize('Kyther')[0]?.lower, 'kyther');
  });
});

describe('KeyFilter (look-up pre-check)', () => {
  test('never rejects a key it was built from, and rejects most others', () => {
    const keys = ['kyther', 'ashgrove', 'the', 'a', 'time', 'rumoured', 'é', 'İstanbul'.toLowerCase()];
    const f = new KeyFilter(keys);
    for (const k of keys) assert.equal(f.mayHave(k), true, k);
    const rand = createPrng(3);
    let passed = 0;
    for (let i = 0; i < 1000; i++) passed += f.mayHave(randomText(rand, 1 + Math.floor(rand() * 10))) ? 1 : 0;
    assert.ok(passed < 100, `${passed} of 1000 random words passed`);
    assert.equal(new KeyFilter([]).mayHave('anything'), false);
  });
});
