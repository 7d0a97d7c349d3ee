import type { Token } from '../text/tokens.js';
import { FELL_ADVERBS } from './change-vocabulary.js';

/**
 * Adverbials that stand inside a verb group, between an auxiliary and its verb ("was at last
 * captured", "had in the end been taken", "was, after a long siege, captured"). Change detection
 * reads the auxiliary to tell a passive from an active verb; an adverbial it cannot skip turns a
 * passive into an active verb whose actor is the nearest faction before it (usually the loser).
 * One mechanism for every phrasing: single adverbs, fixed multi-word adverbials, and a
 * comma-enclosed parenthetical that opens right after an auxiliary.
 */

/** Single words that modify a verb group without being one ("already", "just", "then"); -ly words also count. */
const SINGLE = new Set([
  'already',
  'just',
  'also',
  'soon',
  'again',
  'once',
  'since',
  'all',
  'then',
  'now',
  'still',
  'indeed',
  'finally',
  'eventually',
  'duly',
  'swiftly',
  'quickly',
  'twice',
  'thrice',
  'ever',
]);

/** Multi-word adverbials, written backwards from their last word ("at last": last -> at). */
const MULTI: Array<string[]> = [
  ['at', 'last'],
  ['at', 'length'],
  ['at', 'once'],
  ['in', 'the', 'end'],
  ['in', 'turn'],
  ['in', 'time'],
  ['once', 'more'],
  ['once', 'again'],
  ['after', 'all'],
  ['by', 'then'],
  ['by', 'now'],
  ['at', 'long', 'last'],
  ['before', 'long'],
  ['within', 'the', 'week'],
  ['within', 'the', 'hour'],
  ['within', 'days'],
  ['within', 'hours'],
];

const COMMA = 44;

/** Is a single adverb at token j ("finally", "already"; -ly words of 4+ letters)? */
function singleAdverb(t: Token): boolean {
  return SINGLE.has(t.lower) || (t.lower.length > 3 && t.lower.endsWith('ly'));
}

/** The length of the multi-word adverbial that ends at token `end` (inclusive), else 0. */
function multiEndingAt(tokens: Token[], end: number): number {
  for (const words of MULTI) {
    const n = words.length;
    if (end - n + 1 < 0) continue;
    let ok = true;
    for (let k = 0; k < n && ok; k++) ok = tokens[end - n + 1 + k]?.lower === words[k];
    if (ok) return n;
  }
  return 0;
}

/** A comma in the gap between token j and token j+1? */
function commaAfter(text: string, tokens: Token[], j: number): boolean {
  const a = tokens[j];
  const b = tokens[j + 1];
  if (!a || !b) return false;
  for (let p = a.end; p < b.start; p++) if (text.charCodeAt(p) === COMMA) return true;
  return false;
}

/**
 * The index of the token that would stand right before the verb at `at` once the adverbials
 * between them are skipped: at - 1 when none stand there. At most `maxUnits` adverbials
 * (a single word, a multi-word phrase or one comma parenthetical of up to 8 words whose opening
 * comma follows a word in `opensAfter`).
 */
export function beforeAdverbials(
  text: string,
  tokens: Token[],
  at: number,
  maxUnits: number,
  opensAfter: ReadonlySet<string>,
): number {
  let j = at - 1;
  for (let unit = 0; unit < maxUnits && j >= 0; unit++) {
    // "was, after a long siege, captured": a parenthetical closed right before the verb
    if (commaAfter(text, tokens, j)) {
      let open = -1;
      for (let k = j - 1; k >= 0 && k >= j - 8; k--)
        if (commaAfter(text, tokens, k)) {
          open = k;
          break;
        }
      return open >= 0 && opensAfter.has((tokens[open] as Token).lower) ? open : j;
    }
    const multi = multiEndingAt(tokens, j);
    if (multi > 0) {
      j -= multi;
      continue;
    }
    if (singleAdverb(tokens[j] as Token)) {
      j--;
      continue;
    }
    return j;
  }
  return j;
}

/** An adverb that may stand inside a verb phrase or before a possession: "quietly", "swiftly", "at last" ("last"). */
export function innerAdverb(w: string): boolean {
  return FELL_ADVERBS.has(w) || (w.endsWith('ly') && w.length > 3);
}
