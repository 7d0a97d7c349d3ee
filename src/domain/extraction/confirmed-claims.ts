import { type Token, tokenize } from '../text/tokens.js';
import { detectChanges, type TypedHit } from './detect-changes.js';
import type { Lexicon } from './lexicon.js';
import { type LexiconHit, matchEntities } from './match-sentence.js';
import type { ProposedChange } from './types.js';

/**
 * A player's sentence that could claim a change ("Did the Kite Guild take Cinderhold?", "I heard
 * the Tithe seized Lowmarket"), kept until the next turn. A player's sentence proposes nothing
 * (the narrator is the authority), but a GM turn that opens by confirming it ("They did.", "You
 * heard right.", "Sadly, yes.") states the claim in the GM's words: the change is the GM's.
 * What change detection read the sentence with is kept, so it is only run again when confirmed.
 */
export interface ClaimSentence {
  sentence: string;
  hits: LexiconHit[];
  typed: TypedHit[];
  referent: TypedHit | null;
  place: { typed: TypedHit; hit: LexiconHit } | null;
}

/** Words that answer a claim with yes ("Yes.", "Indeed.", "You heard right.", "That is exactly what happened."). */
const CONFIRM_WORDS = new Set('yes yeah yep aye indeed true right correct exactly precisely certainly afraid'.split(' '));
/** Words that answer it with no ("Not quite.", "Then you heard wrong.", "Nonsense."); any of them wins. */
const DENY_WORDS = new Set(
  "no not nope nah never nonsense wrong false lie lies hardly rumour rumours didn't hasn't haven't isn't wasn't".split(' '),
);
/** "They did.", "It has, I'm afraid.": a pronoun and an auxiliary that ends the clause. */
const ANSWER_SUBJECTS = new Set(['they', 'it', 'he', 'she', 'we']);
const ANSWER_AUX = new Set(['did', 'has', 'have', 'had', 'is', 'was', 'were', 'are', 'does', 'do']);
/** How many words of the GM's first sentence may hold the answer. */
const ANSWER_SPAN = 4;

/**
 * How a GM sentence answers a claim: 'yes' for a yes-word in its first words and no no-word, or
 * "They did." / "It has, ..." (pronoun, auxiliary, then the clause ends); 'no' for a no-word
 * there; null otherwise, and always for a question ("Did they?").
 */
export function answerOf(text: string, tokens: Token[]): 'yes' | 'no' | null {
  if (tokens.length === 0 || text.includes('?')) return null;
  let yes = false;
  for (let j = 0; j < tokens.length && j < ANSWER_SPAN; j++) {
    const w = (tokens[j] as Token).lower;
    if (DENY_WORDS.has(w)) return 'no';
    if (CONFIRM_WORDS.has(w)) yes = true;
  }
  if (yes) return 'yes';
  const aux = tokens[1];
  if (!aux || !ANSWER_SUBJECTS.has((tokens[0] as Token).lower) || !ANSWER_AUX.has(aux.lower)) return null;
  const next = tokens[2];
  // "They did." / "It has, I'm afraid." — not "It was a trap."
  return !next || /[,.;!\u2014]/.test(text.slice(aux.end, next.start)) ? 'yes' : null;
}

/**
 * Words an answer can open with: a GM sentence opening with anything else is no answer, found
 * without tokenizing it (most GM turns after a player's claim open with narration).
 */
const ANSWER_OPENERS = new Set([
  ...CONFIRM_WORDS,
  ...DENY_WORDS,
  ...ANSWER_SUBJECTS,
  ..."you that sadly alas well oh so then quite i i'm unfortunately of".split(' '),
]);
/** A narration beat before the answer ('Old Vell sighs. "Yes."') is short. */
const MAX_BEAT = 60;

/**
 * The first word of `text`, lower case (ASCII letters and apostrophes, at most 12), without a
 * contracted "is", "are", "am", "have", "would" or "will": "It's true." and "That’s right." open
 * like "It is true." and "That is right."
 */
function firstWord(text: string): string {
  let i = 0;
  while (i < text.length && !isLetter(text.charCodeAt(i))) i++;
  let j = i;
  while (j < text.length && j - i < 12 && (isLetter(text.charCodeAt(j)) || isApostrophe(text.charCodeAt(j)))) j++;
  const word = text.slice(i, j).toLowerCase();
  return word.replace(CONTRACTION, '');
}
const isLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isApostrophe = (c: number) => c === 39 || c === 0x2019;
const CONTRACTION = /['\u2019](s|re|m|ve|d|ll)$/;

/** answerOf for a sentence that opens like an answer; its first words only are tokenized. */
function answerIn(sentence: string): 'yes' | 'no' | null {
  if (!ANSWER_OPENERS.has(firstWord(sentence))) return null;
  return answerOf(sentence, tokenize(sentence.length > 80 ? sentence.slice(0, 80) : sentence));
}

/**
 * Which of the GM turn's first two sentences confirms the player's claim ("Yes." or, after a
 * short beat of narration, 'Old Vell sighs. "Yes. It did."'), or -1; a first sentence that says
 * no settles it.
 */
export function confirmingSentence(sentences: string[]): number {
  const lead = sentences[0] as string;
  const first = answerIn(lead);
  if (first !== null) return first === 'yes' ? 0 : -1;
  const second = sentences[1];
  return second !== undefined && lead.length <= MAX_BEAT && answerIn(second) === 'yes' ? 1 : -1;
}

/**
 * How a GM turn opens: with yes or no in its first sentence, or in its second after a short beat
 * of narration ('The ferryman spits. "No."'); null when it opens otherwise.
 */
export function openingAnswer(sentences: string[]): 'yes' | 'no' | null {
  const lead = sentences[0];
  if (lead === undefined) return null;
  const first = answerIn(lead);
  if (first !== null) return first;
  const second = sentences[1];
  return second !== undefined && lead.length <= MAX_BEAT ? answerIn(second) : null;
}

/**
 * The changes a confirmed claim states, read as a statement: a question mark is read as a full
 * stop ("Did the Kite Guild take Cinderhold?" confirmed is "the Kite Guild took Cinderhold");
 * negation, intent and conditionals still rule it out; an indirect "whether" question is read as "that".
 */
export function claimChanges(claim: ClaimSentence): ReadonlyMap<string, ProposedChange[]> {
  const { text: asked, typed } = statementOrder(claim.sentence, claim.typed);
  // "I ask whether the Corsairs have taken Saint Orrin": a question put to someone is the claim
  // (same length, same tokens); "I ride to Lowmarket to see whether ..." asks nobody.
  const put = ASKED_WHETHER.test(asked);
  const text = (put ? asked.replace(/\bwhether\b/gi, 'that   ') : asked).replaceAll('?', '.');
  return detectChanges(text, tokenize(text), typed, claim.referent, claim.place?.typed ?? null);
}

/** A "whether" question put to someone: asking or wondering a few words before it. */
const ASKED_WHETHER = /\b(ask|asks|asked|wonder|wonders|wondered|inquire|inquires|know)\b[^.?!]{0,40}\bwhether\b/i;

/** Auxiliaries a yes/no question opens with that change detection reads only after the subject. */
const INVERTED_AUX = new Set(['is', 'was', 'are', 'were', 'had']);

/**
 * "Is Lowmarket in the Tithe's hands now?" -> "Lowmarket is in the Tithe's hands now?", "Were the
 * Corsairs driven out ...?" -> "the Corsairs were driven out ...?": a question opening with a form
 * of "be" (or "had") before a named subject, put back in statement order (a leading "Were"/"Had"
 * reads as an inverted conditional, and "be" must stand before its predicate). The hits inside
 * the subject move one token to the left; the rest keep their indices. Other sentences as they are.
 */
function statementOrder(sentence: string, typed: TypedHit[]): { text: string; typed: TypedHit[] } {
  if (!sentence.includes('?')) return { text: sentence, typed };
  const tokens = tokenize(sentence);
  const aux = tokens[0];
  const second = tokens[1];
  if (!aux || !second || !INVERTED_AUX.has(aux.lower)) return { text: sentence, typed };
  const subject = typed.find((h) => h.startTok === (second.lower === 'the' ? 2 : 1));
  if (!subject) return { text: sentence, typed };
  const end = (tokens[subject.endTok - 1] as Token).end;
  const text = `${sentence.slice(second.start, end)} ${aux.lower}${sentence.slice(end)}`;
  const moved = typed.map((h) =>
    h.endTok <= subject.endTok && h.startTok >= 1 ? { ...h, startTok: h.startTok - 1, endTok: h.endTok - 1 } : h,
  );
  return { text, typed: moved };
}

/**
 * "They did, to the Iron Tithe.": the faction an answer names after "to" (within two words), which
 * completes a claimed loss that named no gainer ("Did the Court lose Lowmarket?"); null otherwise.
 */
export function gainerInAnswer(lexicon: Lexicon, answer: string): string | null {
  const tokens = tokenize(answer);
  const hits = matchEntities(lexicon, tokens);
  for (const h of hits) {
    const e = lexicon.entities[h.ref];
    // "to the Tithe's delight" names no gainer
    const after = answer.charCodeAt((tokens[h.endTok - 1] as Token).end);
    if (e?.entityType !== 'faction' || after === 39 || after === 0x2019) continue;
    if (
      tokens[h.startTok - 1]?.lower === 'to' ||
      (tokens[h.startTok - 1]?.lower === 'the' && tokens[h.startTok - 2]?.lower === 'to')
    )
      return e.entityId;
  }
  return null;
}

/** A claimed loss with no gainer takes the answer's ("to the Iron Tithe"); other changes stay as claimed. */
export function completedBy(changes: ProposedChange[], gainer: string | null): ProposedChange[] {
  if (gainer === null) return changes;
  return changes.map((c) => (c.kind === 'control' && c.to === null && c.from !== gainer ? { ...c, to: gainer } : c));
}

/**
 * "P: The Corsairs took Brackwater, right?" / "No. The Thalric Order did.": a GM turn that denies
 * the claim and names who did it instead, with a pro-verb ("<faction> did/has/had.") or a cleft
 * ("It was the Thalric Order."), within its first three sentences. The claim's gains then go to
 * that faction; null when the turn does not correct the claim so.
 */
export function correctedClaim(lexicon: Lexicon, sentences: string[]): { at: number; gainer: string } | null {
  const lead = sentences[0];
  if (lead === undefined || answerIn(lead) !== 'no') return null;
  for (let k = 0; k < sentences.length && k < 3; k++) {
    const whole = sentences[k] as string;
    if (whole.includes('?')) continue;
    // the answer stands in the sentence's first words ("It was the Iron Tithe, and ...")
    const s = whole.length > 80 ? whole.slice(0, 80) : whole;
    const tokens = tokenize(s);
    const hits = matchEntities(lexicon, tokens);
    for (const h of hits) {
      const e = lexicon.entities[h.ref];
      if (e?.entityType !== 'faction') continue;
      const aux = tokens[h.endTok];
      // "The Thalric Order did." / "the Iron Tithe has, and ..."
      const proVerb = !!aux && ANSWER_AUX.has(aux.lower) && /^[\s]*[,.;!\u2014]/.test(s.slice(aux.end));
      // "It was the Thalric Order." / "It was the Tithe, not the Corsairs."
      const start = tokens[h.startTok - 1]?.lower === 'the' ? h.startTok - 1 : h.startTok;
      const cleft =
        start === 2 &&
        tokens[0]?.lower === 'it' &&
        (tokens[1]?.lower === 'was' || tokens[1]?.lower === 'is') &&
        /^[\s]*[,.;!\u2014]/.test(s.slice((tokens[h.endTok - 1] as Token).end));
      if (proVerb || cleft) return { at: k, gainer: e.entityId };
    }
  }
  return null;
}

/** The claim's gains, given to the faction the answer named instead; losses and statuses are not what was corrected. */
export function correctedBy(changes: ProposedChange[], gainer: string): ProposedChange[] {
  return changes.flatMap((c) => (c.kind === 'control' && c.to !== null && c.to !== gainer ? [{ ...c, to: gainer }] : []));
}

/** Verbs a faction answering "who ...?" may end with: "The Iron Tithe did.", "The kiters hold it." */
const WHO_PRO_VERBS = new Set([...ANSWER_AUX, 'hold', 'holds', 'held', 'took', 'takes', 'rules', 'controls']);
const OBJECT_PRONOUN_ENDS = new Set(['it', 'them', 'the', 'town', 'city', 'place']);

/**
 * "Who holds Lowmarket now?" / "The Iron Tithe.", "Who took Lowmarket?" / "The Iron Tithe did,
 * three nights ago.", "It was the Corsairs.": the faction a GM turn's first sentence (or its second,
 * after a short beat) names as its whole answer: the faction alone, or with a pro-verb (and "it"),
 * or in a cleft, then the end of the clause. Null when the answer says more than that.
 */
export function whoAnswer(lexicon: Lexicon, sentences: string[]): { at: number; gainer: TypedHit } | null {
  for (let k = 0; k < sentences.length && k < 2; k++) {
    const whole = sentences[k] as string;
    if (k === 1 && (sentences[0] as string).length > MAX_BEAT) break;
    if (whole.includes('?')) continue;
    const s = whole.length > 80 ? whole.slice(0, 80) : whole;
    const tokens = tokenize(s);
    const hits = matchEntities(lexicon, tokens);
    const h = hits[0];
    const e = h ? lexicon.entities[h.ref] : undefined;
    if (!h || e?.entityType !== 'faction') continue;
    const w0 = tokens[0]?.lower;
    const start =
      w0 === 'the'
        ? 1
        : w0 === 'it' && (tokens[1]?.lower === 'was' || tokens[1]?.lower === 'is')
          ? tokens[2]?.lower === 'the'
            ? 3
            : 2
          : 0;
    if (h.startTok !== start) continue;
    const ends = (j: number) => j >= tokens.length || /^[\s]*[,.;!\u2014]/.test(s.slice((tokens[j - 1] as Token).end));
    let j = h.endTok;
    if (!ends(j) && WHO_PRO_VERBS.has(tokens[j]?.lower ?? '')) {
      j++;
      while (j < tokens.length && j < h.endTok + 4 && OBJECT_PRONOUN_ENDS.has((tokens[j] as Token).lower) && !ends(j)) j++;
      if (!ends(j) && OBJECT_PRONOUN_ENDS.has(tokens[j]?.lower ?? '')) j++;
    }
    if (!ends(j)) continue;
    return { at: k, gainer: { entityId: e.entityId, entityType: e.entityType, startTok: h.startTok, endTok: h.endTok } };
  }
  return null;
}

/**
 * "Who took Lowmarket?" read as "They took Lowmarket.", with the answer's faction as "they": the
 * claim a who-question makes once answered; null for a sentence that does not open with "who".
 */
export function askedWho(claim: ClaimSentence, gainer: TypedHit): ClaimSentence | null {
  const m = /^\s*["\u201c]?who\b/i.exec(claim.sentence);
  if (!m) return null;
  const at = m[0].length - 3;
  const sentence = `${claim.sentence.slice(0, at)}they${claim.sentence.slice(at + 3)}`;
  return { ...claim, sentence, referent: gainer };
}

/** An answer that may add a place: "too", "as well", "also". */
export const ALSO_WORDS = /\b(too|as well|also)\b/i;

/**
 * "Yes, and Harrowgate too.", "They did, and the Sunder Gap as well.", "Yes, and also Harrowgate.":
 * the world places a confirming answer adds to the claim ("and"/"but" before, "too"/"as well"
 * after, or "and also" before); only places (settlements and regions).
 */
export function alsoPlaces(lexicon: Lexicon, answer: string): LexiconHit[] {
  const tokens = tokenize(answer);
  const out: LexiconHit[] = [];
  for (const h of matchEntities(lexicon, tokens)) {
    const type = lexicon.entities[h.ref]?.entityType;
    if (type !== 'settlement' && type !== 'region') continue;
    const start = tokens[h.startTok - 1]?.lower === 'the' ? h.startTok - 1 : h.startTok;
    const b1 = tokens[start - 1]?.lower ?? '';
    const b2 = tokens[start - 2]?.lower ?? '';
    const a1 = tokens[h.endTok]?.lower ?? '';
    const a2 = tokens[h.endTok + 1]?.lower ?? '';
    const joined = b1 === 'and' || b1 === 'but' || (b1 === 'also' && (b2 === 'and' || b2 === 'but'));
    if (joined && (b1 === 'also' || a1 === 'too' || (a1 === 'as' && a2 === 'well'))) out.push(h);
  }
  return out;
}
