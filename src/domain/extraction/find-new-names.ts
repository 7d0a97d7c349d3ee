import type { Token } from '../text/tokens.js';
import { CAPITALISED_STOPWORDS } from './hedges.js';
import type { Lexicon } from './lexicon.js';
import { speechVerbAfter, takesOfWorldName } from './name-spans.js';
import type { PosTagger } from './pos-tagger.js';
import { guessEntityType, isTypeCue, TITLES, type TypeGuess } from './type-guess.js';

export interface NewName extends TypeGuess {
  name: string;
  words: string[];
  title: string | null;
}

const NAME_POS = new Set(['PROPN', 'NOUN', 'ADJ', 'X']);
const JOINERS = new Set(['of', 'the']);
const UPPER = /^\p{Lu}/u;

/** Token i is inside one of the hits (a loop: a callback per token showed as garbage). */
export function coveredBy(hits: ReadonlyArray<{ startTok: number; endTok: number }>, i: number): boolean {
  for (let k = 0; k < hits.length; k++) {
    const h = hits[k] as { startTok: number; endTok: number };
    if (i >= h.startTok && i < h.endTok) return true;
  }
  return false;
}

/**
 * Cheap pre-filter: is there a capitalised, non-initial word that no lexicon hit covers and
 * that is not a known name word? Most sentences fail it, so the tagger sees a small
 * fraction of the transcript: that is where the NER stage's speed comes from.
 */
export function needsTagging(tokens: Token[], hits: Array<{ startTok: number; endTok: number }>, lexicon: Lexicon): boolean {
  // "Tamsin laughed.": a first word may be a name alone before a speech verb (findNameRuns decides)
  if (tokens[0]?.cap && speechVerbAfter(tokens, 0) && !coveredBy(hits, 0)) return true;
  // "Sons of Harrowgate held the quay": an "of" name opening the sentence may end in a world name
  if (tokens[0]?.cap && tokens[1]?.lower === 'of' && takesOfWorldName(tokens[0].lower) && !coveredBy(hits, 0)) return true;
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    // "the Order of the Ash": world words joined by "of" may still make a new name (findNameRuns decides)
    if (t.lower === 'of' && tokens[i - 1]?.cap && !coveredBy(hits, i - 1) && ofNameAfter(tokens, hits, i)) return true;
    // "Harrow the Elder": a world word and a title joined by "the" may still make a new name
    if (t.lower === 'the' && tokens[i - 1]?.cap && tokens[i + 1]?.cap && !coveredBy(hits, i - 1) && !coveredBy(hits, i + 1))
      return true;
    if (!t.cap || CAPITALISED_STOPWORDS.has(t.lower) || TITLES.has(t.lower)) continue;
    if (coveredBy(hits, i)) continue;
    // "Widow's Rest": a world name word after a possessive may still end a new name
    if (lexicon.nameTokens.has(t.lower) && !afterPossessive(tokens, hits, i)) continue;
    return true;
  }
  return false;
}

/** Token i follows a capitalised word no hit covers across a possessive ("Widow's", "Weavers'"). */
function afterPossessive(tokens: Token[], hits: Array<{ startTok: number; endTok: number }>, i: number): boolean {
  const prev = tokens[i - 1] as Token;
  const gap = (tokens[i] as Token).start - prev.end;
  return (gap === 2 || gap === 3) && prev.cap && !coveredBy(hits, i - 1);
}

/** A capitalised word no hit covers right after "of" (or "of the"). */
function ofNameAfter(tokens: Token[], hits: Array<{ startTok: number; endTok: number }>, of: number): boolean {
  const at = tokens[of + 1]?.lower === 'the' ? of + 2 : of + 1;
  const t = tokens[at];
  return !!t && t.cap && !CAPITALISED_STOPWORDS.has(t.lower) && !coveredBy(hits, at);
}

function isGluedHyphen(items: Array<{ text: string; start: number }>, i: number): boolean {
  const it = items[i];
  const prev = items[i - 1];
  const next = items[i + 1];
  return it?.text === '-' && !!prev && !!next && prev.start + prev.text.length === it.start && it.start + 1 === next.start;
}

/** "of the Pale Star": joiners continue a name only when a capitalised word follows them. */
function continuesName(items: Array<{ text: string; covered: boolean }>, i: number): boolean {
  let j = i + 1;
  while (items[j] && JOINERS.has((items[j] as { text: string }).text.toLowerCase())) j++;
  const next = items[j];
  return !!next && UPPER.test(next.text) && !next.covered;
}

/**
 * "of" joins a name only after a head noun ("Order of the Pale Star", "Vale of Sighs");
 * after a person's name it starts a new one ("Veyla Strand of the Silver Hand").
 */
function endsWithCue(run: Array<{ text: string }>): boolean {
  const last = run[run.length - 1]?.text ?? '';
  return isTypeCue(last) || JOINERS.has(last.toLowerCase());
}

/** Tokens that open a quotation or follow markup start a sentence of their own. */
const OPENERS = new Set(['"', '“', "'", '‘', '(', '[', '>', ':', '—']);

/** Proper-name runs found by part-of-speech tagging, minus anything the lexicon matched. */
export function findNewNames(sentence: string, spans: Array<[number, number]>, lexicon: Lexicon, tagger: PosTagger): NewName[] {
  const tagged = tagger.tag(sentence);
  let cursor = 0;
  const items = tagged.map((t) => {
    const at = sentence.indexOf(t.text, cursor);
    const start = at >= 0 ? at : cursor;
    cursor = start + t.text.length;
    const covered = spans.some(([s, e]) => start < e && start + t.text.length > s);
    return { text: t.text, pos: t.pos, start, covered }; // explicit fields: a spread per token showed in profiles
  });
  const out: NewName[] = [];
  let run: typeof items = [];
  const flush = (precedingWord: string | null) => {
    while (run.length > 0 && JOINERS.has((run[run.length - 1] as (typeof items)[number]).text.toLowerCase())) run.pop();
    const startAt = run[0]?.start ?? 0;
    const words = run.map((r) => r.text).filter((w) => w !== '-');
    const hyphenated = run.some((r) => r.text === '-');
    run = [];
    const titleWords: string[] = [];
    while (words.length > 1 && TITLES.has((words[0] as string).toLowerCase())) titleWords.push(words.shift() as string);
    if (words.length === 0) return;
    const first = words[0] as string;
    if (words.length === 1 && (TITLES.has(first.toLowerCase()) || lexicon.nameTokens.has(first.toLowerCase()))) return;
    if (words.every((w) => lexicon.nameTokens.has(w.toLowerCase()) || JOINERS.has(w.toLowerCase()))) return;
    const title = titleWords.length > 0 ? titleWords.join(' ') : null;
    // Keep hyphenated names as written ("Ashen-Eyed Wardens"): the tagger splits them.
    const name = hyphenated
      ? sentence.slice(
          sentence.indexOf(first, startAt),
          sentence.indexOf(words[words.length - 1] as string, startAt) + (words[words.length - 1] as string).length,
        )
      : words.join(' ');
    out.push({ name, words, title, ...guessEntityType(words, title, precedingWord) });
  };
  let preceding: string | null = null;
  let runPreceding: string | null = null;
  for (let i = 0; i < items.length; i++) {
    const it = items[i] as (typeof items)[number];
    const lower = it.text.toLowerCase();
    const afterHyphen = run.length > 0 && run[run.length - 1]?.text === '-';
    const nameLike =
      UPPER.test(it.text) &&
      (NAME_POS.has(it.pos) || afterHyphen || (run.length > 0 && isTypeCue(it.text))) &&
      !it.covered &&
      !CAPITALISED_STOPWORDS.has(lower);
    const nextItem = items[i + 1];
    const initial = it.start === 0 || OPENERS.has(items[i - 1]?.text ?? '');
    const sentenceInitialSingle = initial && !(nextItem && UPPER.test(nextItem.text) && !nextItem.covered);
    if (nameLike && !sentenceInitialSingle) {
      if (run.length === 0) runPreceding = preceding;
      run.push(it);
    } else if (
      run.length > 0 &&
      ((JOINERS.has(lower) && endsWithCue(run)) || isGluedHyphen(items, i)) &&
      continuesName(items, i)
    ) {
      run.push(it);
    } else if (run.length > 0) {
      flush(runPreceding);
    }
    preceding = it.text;
  }
  if (run.length > 0) flush(runPreceding);
  return out;
}
