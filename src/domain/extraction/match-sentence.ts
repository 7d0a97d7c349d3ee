import type { Token } from '../text/tokens.js';
import { deletionVariants, type Lexicon, type LexiconPattern, type WordInfo } from './lexicon.js';
import { TITLES } from './type-guess.js';
import type { MatchType } from './types.js';

export interface LexiconHit {
  ref: number;
  matchType: MatchType;
  value: string;
  /** token range [startTok, endTok) */
  startTok: number;
  endTok: number;
  /** A lower-case "the kiters" (LexiconPattern.lowerIfNamed): kept only once the transcript has named the entity. */
  weak?: true;
}

function matchAt(tokens: Token[], i: number, patterns: LexiconPattern[] | undefined, after = -1): LexiconPattern | null {
  if (!patterns) return null;
  for (let n = after + 1; n < patterns.length; n++) {
    const p = patterns[n] as LexiconPattern;
    if (i + p.keys.length > tokens.length) continue;
    let ok = true;
    for (let k = 1; k < p.keys.length; k++) {
      if (tokens[i + k]?.lower !== p.keys[k]) {
        ok = false;
        break;
      }
    }
    if (ok) return p;
  }
  return null;
}

/** Optimal string alignment distance, early exit above 1 (we only accept one edit). */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // transposition
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * Lexicon.words of the current sentence's tokens by index, looked up once each: matchEntities
 * asks it of a capitalised token up to three times (itself, and as either neighbour's
 * neighbour). `wordStamp[i] === stamp` says entry i belongs to this sentence.
 */
const wordOf: Array<WordInfo | undefined> = [];
const wordStamp: number[] = [];
let stamp = 0;

function wordAt(lexicon: Lexicon, tokens: Token[], i: number): WordInfo | undefined {
  if (wordStamp[i] === stamp) return wordOf[i];
  const w = lexicon.words.get((tokens[i] as Token).lower);
  wordOf[i] = w;
  wordStamp[i] = stamp;
  return w;
}

/** A capitalised neighbour that is no name word means this token is part of an unknown name. */
function inUnknownName(lexicon: Lexicon, tokens: Token[], i: number): boolean {
  return isUnknownNameWord(lexicon, tokens, i - 1) || isUnknownNameWord(lexicon, tokens, i + 1);
}

/** Capitalised, and no stopword, title or name word. */
function isUnknownNameWord(lexicon: Lexicon, tokens: Token[], i: number): boolean {
  if (i < 0 || i >= tokens.length || !(tokens[i] as Token).cap) return false;
  const w = wordAt(lexicon, tokens, i);
  return w === undefined || (!w.stopword && !w.nameWord);
}

/** A sentence written all in lower case ("kite guild riders took lowmarket"): casing says nothing there. */
function noCapitals(tokens: Token[]): boolean {
  for (const t of tokens) if (t.cap) return false;
  return true;
}

function anyCapitalised(tokens: Token[], from: number, to: number): boolean {
  for (let j = from; j < to; j++) if (tokens[j]?.cap) return true;
  return false;
}

/** Typo memo bound: words only typo look-ups added to Lexicon.words (cleared past it). */
const FUZZY_MEMO_MAX = 50_000;

/**
 * The entity a capitalised word stands for alone: a distinct name token, else one edit from
 * one (mid-sentence only). `word` is the token's WordInfo, if the lexicon has one. Typo look-ups
 * are remembered in Lexicon.words: an unlisted name ("Couthim") recurs all session, and each
 * look-up builds every one-deletion variant.
 */
function fuzzyRef(lexicon: Lexicon, tok: Token, word: WordInfo | undefined, sentenceInitial: boolean): number | null {
  if (word !== undefined && word.distinctRef >= 0) return word.distinctRef;
  // A capitalised first word is weak evidence, so typos are only tolerated mid-sentence.
  if (sentenceInitial || tok.lower.length < 6) return null;
  if (word !== undefined && word.typoRef !== undefined) return word.typoRef;
  let found = typoRef(lexicon, tok.lower);
  // "Harrow" is spelt right for the Harrow Gate: a world name's own word is no typo of another entity's ("Marrow").
  if (found !== null && word?.nameWord === true && lexicon.tokenOwners.get(tok.lower)?.has(found) !== true) found = null;
  if (word !== undefined) word.typoRef = found;
  else {
    if (lexicon.words.size >= lexicon.builtWords + FUZZY_MEMO_MAX) forgetTypos(lexicon.words);
    lexicon.words.set(tok.lower, { stopword: false, nameWord: false, distinctRef: -1, typoRef: found, built: false });
  }
  return found;
}

/** Bound the memo: drop the words only typo look-ups added (the built ones are bounded by the world). */
function forgetTypos(words: Map<string, WordInfo>): void {
  for (const [k, w] of words) if (!w.built) words.delete(k);
}

/** fuzzyRef would return null without looking anything up (and so without remembering anything). */
function noFuzzyRef(tok: Token, word: WordInfo | undefined, sentenceInitial: boolean): boolean {
  if (word !== undefined && word.distinctRef >= 0) return false;
  return sentenceInitial || tok.lower.length < 6 || word?.typoRef === null;
}

function typoRef(lexicon: Lexicon, lower: string): number | null {
  const keys = new Set<string>(lexicon.fuzzyIndex.get(lower) ?? []);
  for (const d of deletionVariants(lower)) for (const k of lexicon.fuzzyIndex.get(d) ?? []) keys.add(k);
  let found: number | null = null;
  for (const k of keys) {
    if (!withinOneEdit(lower, k)) continue;
    const ref = lexicon.distinctTokens.get(k);
    if (ref === undefined) continue;
    if (found !== null && found !== ref) return null; // ambiguous typo: refuse to guess
    found = ref;
  }
  return found;
}

/**
 * Entity hits in one tokenised sentence, longest match first. A hit needs at least one
 * capitalised token: names are proper nouns, and this keeps "the range of the guns" from
 * matching an alias like "the Range"; names holding a coined word may be all lower case
 * (`lowerOk`: "the iron tithe seized harrowgate"), and a faction name ending in a group noun
 * may be lower case after "the" or in a sentence with no capital at all (`lowerAfterThe`: "the
 * kite guild", "kite guild riders took lowmarket").
 */
export function matchEntities(lexicon: Lexicon, tokens: Token[]): LexiconHit[] {
  const hits: LexiconHit[] = [];
  if (++stamp > 0x3fffffff) {
    stamp = 1;
    wordStamp.fill(0);
  }
  let i = 0;
  while (i < tokens.length) {
    const tok = tokens[i] as Token;
    const patterns = lexicon.entityFirstKeys.mayHave(tok.lower) ? lexicon.entityPatterns.get(tok.lower) : undefined;
    let p = matchAt(tokens, i, patterns);
    if (p === null) {
      if (tok.cap) fuzzyHit(lexicon, tokens, i, hits);
      i += 1;
      continue;
    }
    const afterThe = i > 0 && (tokens[i - 1] as Token).lower === 'the';
    // "took brackwater docks": a longer name the casing refuses ("Brackwater Docks" holds no coined
    // word) gives way to a shorter one it allows ("brackwater"); only lower-case words come here.
    if (!tok.cap && !acceptedAt(tokens, i, p, afterThe)) {
      const list = patterns as LexiconPattern[];
      for (let q = matchAt(tokens, i, list, list.indexOf(p)); q !== null; q = matchAt(tokens, i, list, list.indexOf(q)))
        if (acceptedAt(tokens, i, q, afterThe)) {
          p = q;
          break;
        }
    }
    if (acceptedAt(tokens, i, p, afterThe)) {
      hits.push({ ref: p.ref, matchType: p.matchType, value: p.value, startTok: i, endTok: i + p.keys.length });
      i += p.keys.length;
      continue;
    }
    if (p.lowerIfNamed === true && afterThe && !tok.cap) {
      hits.push({ ref: p.ref, matchType: p.matchType, value: p.value, startTok: i, endTok: i + 1, weak: true });
    } else if (tok.cap) fuzzyHit(lexicon, tokens, i, hits);
    i += 1;
  }
  return hits;
}

/** Pattern p, matched at token i, names its entity with the casing and article written there. */
function acceptedAt(tokens: Token[], i: number, p: LexiconPattern, afterThe: boolean): boolean {
  return (
    p.lowerOnly !== true &&
    (p.needsThe !== true || afterThe) &&
    (p.shortForm !== true || ((tokens[i] as Token).cap && tokens[i + 1]?.lower !== 'of')) &&
    (p.lowerOk === true ||
      anyCapitalised(tokens, i, i + p.keys.length) ||
      (p.lowerAfterThe === true && (afterThe || noCapitals(tokens))))
  );
}

/** A capitalised token no pattern matched: a distinct name word or a typo of one, unless it is part of an unknown name. */
function fuzzyHit(lexicon: Lexicon, tokens: Token[], i: number, hits: LexiconHit[]): void {
  const word = wordAt(lexicon, tokens, i);
  if (word?.stopword === true) return;
  const tok = tokens[i] as Token;
  // Most capitalised words here are unlisted names met before ("Couthim": its typo look-up is
  // remembered as none) or short or sentence-initial: fuzzyRef would answer null without a
  // look-up, so the neighbours need not be read.
  if (noFuzzyRef(tok, word, i === 0)) return;
  if (inUnknownName(lexicon, tokens, i)) return;
  const ref = fuzzyRef(lexicon, tok, word, i === 0);
  if (ref === null) return;
  if (
    word?.distinctRef !== ref &&
    (otherNameWord(lexicon, tokens, i, i - 1, ref) || otherNameWord(lexicon, tokens, i, i + 1, ref))
  )
    return;
  hits.push({ ref, matchType: 'fuzzy', value: tok.text, startTok: i, endTok: i + 1 });
}

/**
 * Neighbour `j` of typo hit `i` is a capitalised word, no stopword, joined by one space, that
 * the hit's entity's names lack ("Dorrin Vale", "Lord Corvin" for the Corrin Coast): the run is
 * another name, not a misspelt world one. A word of the same entity ("Saltmarsh Corsairs") or a
 * comma between ("Brackwater, Lowmarkt") keeps the hit.
 */
function otherNameWord(lexicon: Lexicon, tokens: Token[], i: number, j: number, ref: number): boolean {
  const n = tokens[j];
  if (n === undefined || !n.cap) return false;
  const hit = tokens[i] as Token;
  if ((j < i ? hit.start - n.end : n.start - hit.end) !== 1) return false;
  // "Lord" and "Lady" are stopwords (a vocative "My lord"), but before a name they are its title.
  if (wordAt(lexicon, tokens, j)?.stopword === true && !(j < i && TITLES.has(n.lower))) return false;
  return lexicon.tokenOwners.get(n.lower)?.has(ref) !== true;
}

/** Prohibited-capability phrases; case-insensitive because they are not names. */
export function matchCapabilities(lexicon: Lexicon, tokens: Token[]): LexiconHit[] {
  const hits: LexiconHit[] = [];
  if (lexicon.capabilityPatterns.size === 0) return hits;
  let i = 0;
  while (i < tokens.length) {
    const lower = (tokens[i] as Token).lower;
    const p = lexicon.capabilityFirstKeys.mayHave(lower) ? matchAt(tokens, i, lexicon.capabilityPatterns.get(lower)) : null;
    if (p) {
      hits.push({ ref: p.ref, matchType: p.matchType, value: p.value, startTok: i, endTok: i + p.keys.length });
      i += p.keys.length;
    } else i += 1;
  }
  return hits;
}
