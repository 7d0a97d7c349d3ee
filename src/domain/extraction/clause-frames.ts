/**
 * Clause frames: whether the clause around a cue tells an event of the story, or a negated, failed,
 * intended, future, hypothetical, denied or asked one (which detectChanges must not report as a change).
 */
import { tokenAt } from '../text/token-at.js';
import type { Token } from '../text/tokens.js';
import {
  ADVERBS_AFTER_ASIDE,
  BE_FORMS,
  CLAUSE_BREAK,
  CONDITIONAL_OPENERS,
  DENIALS,
  DREAM_VERBS,
  FRAME_LEADS,
  FUTURE_WORDS,
  HISTORY_UNITS,
  REPORT_NOUNS,
  ROLL_OUTCOMES,
  TIME_SUBORDINATORS,
  VISION_WORDS,
} from './change-vocabulary.js';
import { CLAUSE_NEGATORS, NEGATION_WINDOW, NEGATION_WORDS } from './hedges.js';
import { CLAUSE_PUNCT, COLON, COMMA, EM_DASH, openingComma, punctIn, SEMICOLON } from './token-gaps.js';

/**
 * True when the words just before the cue make it non-factual: a negation, a failed or
 * intended attempt, a modal, or an infinitive ("marched to seize"). The look-back stops at
 * a clause break so "did not hesitate and seized" still counts as seizing.
 */
export function isNegated(text: string, tokens: Token[], at: number): boolean {
  if (tokenAt(tokens, at - 1)?.lower === 'to') return true;
  if (negatedBefore(text, tokens, at - 1, false)) return true;
  // "has not, for all its boasting, captured Brackwater": look before a parenthetical that ends at the
  // verb, or at an adverb of the verb ("No one, not even the Lanternbound Choir, ever took Cinderhold").
  let verb = at;
  while (
    verb > 1 &&
    ADVERBS_AFTER_ASIDE.has((tokens[verb - 1] as Token).lower) &&
    !punctIn(text, (tokens[verb - 1] as Token).end, (tokens[verb] as Token).start, CLAUSE_PUNCT)
  )
    verb--;
  const open = openingComma(text, tokens, verb);
  return open >= 0 && negatedBefore(text, tokens, open, true);
}

/**
 * Negation words within NEGATION_WINDOW words up to token `from`, and clause-wide negators
 * ("None of the Corsairs' assaults took ...") back to the clause start. The look-back stops at
 * punctuation after a token (except after `from` when `skipFirstGap`: the parenthetical's
 * opening comma) or at a clause break.
 */
function negatedBefore(text: string, tokens: Token[], from: number, skipFirstGap: boolean): boolean {
  for (let j = from; j >= 0; j--) {
    const t = tokens[j] as Token;
    const next = tokens[j + 1] as Token;
    if (!(skipFirstGap && j === from) && punctIn(text, t.end, next.start, CLAUSE_PUNCT)) break;
    // "has not yet taken": "yet" after a negation is an adverb, not a clause break
    if (CLAUSE_BREAK.has(t.lower) && !(t.lower === 'yet' && NEGATION_WORDS.has(tokenAt(tokens, j - 1)?.lower ?? ''))) break;
    if (j > from - NEGATION_WINDOW && (NEGATION_WORDS.has(t.lower) || t.lower.endsWith("'ll") || t.lower.endsWith('’ll')))
      return true;
    if (CLAUSE_NEGATORS.has(t.lower)) return true;
  }
  return false;
}

/**
 * A negation after the cue at `at`, before its clause ends (punctuation or a clause break):
 * "belongs to the Emberwrights no longer", "holds Lowmarket no more", "is theirs not any longer".
 */
export function negatedAfter(text: string, tokens: Token[], at: number): boolean {
  for (let k = at + 1; k < tokens.length && k <= at + 10; k++) {
    if (punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, CLAUSE_PUNCT | EM_DASH)) return false;
    const w = (tokens[k] as Token).lower;
    // "rules Cinderhold and the Sunder Gap no longer": an "and" before a name joins a list, not a clause
    const listAnd = w === 'and' && (tokens[k + 1]?.cap || (tokens[k + 1]?.lower === 'the' && tokens[k + 2]?.cap));
    if (CLAUSE_BREAK.has(w) && !listAnd) return false;
    const next = tokens[k + 1]?.lower;
    if (w === 'no' && next === 'more' && k + 2 >= tokens.length) return true;
    if ((w === 'no' || w === 'any') && next === 'longer') return true;
    if (w === 'anymore') return true;
  }
  return false;
}

/**
 * The cue at `at` is in an opening time clause (once/when/after/as soon as ..., up to its comma)
 * whose main clause is future: what the clause tells has not happened yet.
 */
function futureFrame(text: string, tokens: Token[], at: number): boolean {
  const w0 = tokens[0]?.lower ?? '';
  if (!TIME_SUBORDINATORS.has(w0) && !(w0 === 'as' && tokens[1]?.lower === 'soon')) return false;
  let comma = -1;
  for (let k = 1; k < tokens.length; k++)
    if (punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, COMMA | SEMICOLON)) {
      comma = k;
      break;
    }
  if (comma < 0 || at >= comma) return false;
  for (let k = comma; k < tokens.length && k < comma + 6; k++) {
    const w = (tokens[k] as Token).lower;
    if (FUTURE_WORDS.has(w) || w.endsWith("'ll") || w.endsWith('’ll')) return true;
  }
  return false;
}

/**
 * "Rumours that the Tithe took Lowmarket are false", "The reports that Harrowgate fell were
 * wrong": a report noun, a that-clause holding the cue, and a copula with a denial after it.
 */
function deniedReport(text: string, tokens: Token[], at: number): boolean {
  let that = -1;
  for (let j = at - 1; j >= 1; j--)
    if ((tokens[j] as Token).lower === 'that' && REPORT_NOUNS.has((tokens[j - 1] as Token).lower)) {
      that = j;
      break;
    }
  if (that < 0) return false;
  for (let k = at + 1; k < tokens.length - 1; k++) {
    if (punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, SEMICOLON | COLON)) return false;
    if (BE_FORMS.has((tokens[k] as Token).lower) && DENIALS.has((tokens[k + 1] as Token).lower)) return true;
  }
  return false;
}

/** Words that, later in the cue's clause, say it is only expected: "inevitable", "imminent", "looms". */
const EXPECTED_WORDS = new Set(['inevitable', 'imminent', 'impending', 'looms', 'loom', 'looming']);

/**
 * "The Tithe's capture of Lowmarket is only a matter of time", "... is imminent": the clause after
 * the cue (up to punctuation or a clause break) says it has not happened yet.
 */
function expectedAfter(text: string, tokens: Token[], at: number): boolean {
  for (let k = at + 1; k < tokens.length; k++) {
    if (punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, CLAUSE_PUNCT | EM_DASH)) return false;
    const w = (tokens[k] as Token).lower;
    if (CLAUSE_BREAK.has(w)) return false;
    if (EXPECTED_WORDS.has(w)) return true;
    if ((w === 'matter' || w === 'question') && tokens[k + 1]?.lower === 'of' && tokens[k + 2]?.lower === 'time') return true;
  }
  return false;
}

/** "On a success, the Order takes Lowmarket", "On a 15 or higher ...": a roll's outcome, not an event. */
function rollOutcome(tokens: Token[]): boolean {
  if (tokens[0]?.lower !== 'on') return false;
  const a = tokens[1]?.lower;
  if (a !== 'a' && a !== 'an') return false;
  const w = tokens[2]?.lower ?? '';
  return ROLL_OUTCOMES.has(w) || /^\d/.test(w);
}

/** How far into the sentence an opening time phrase may end without a comma ("Three winters ago the Court ..."). */
const OPENING_PHRASE = 4;

/**
 * History told as background: "<a generation | three winters | long> ago" in the cue's clause after
 * it ("The Kite Guild took it a generation ago"), or in the sentence's opening phrase before it ("A
 * century ago, the Choir burned ..."). "An hour ago" is the session's own time and stays an event.
 */
function historyFrame(text: string, tokens: Token[], at: number): boolean {
  for (let k = at + 1; k < tokens.length; k++) {
    if (punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, CLAUSE_PUNCT | EM_DASH)) break;
    if ((tokens[k] as Token).lower === 'ago' && HISTORY_UNITS.has((tokens[k - 1] as Token).lower)) return true;
  }
  for (let k = 1; k < at; k++) {
    if ((tokens[k] as Token).lower === 'ago' && HISTORY_UNITS.has((tokens[k - 1] as Token).lower))
      return k <= OPENING_PHRASE || punctIn(text, (tokens[k] as Token).end, (tokens[k + 1] as Token).start, COMMA);
    if (punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, CLAUSE_PUNCT)) return false;
  }
  return false;
}

/**
 * A plan, an imagined scene, a dream, a vision or a conditional: "Unless the Guild relieves it, Lowmarket
 * falls ...", "The plan is simple: the Order seizes ...", "Imagine it: ...", "In the vision ...".
 * The scope ends at a semicolon; an "if"/"unless" clause also ends at a colon.
 */
export function hypothetical(text: string, tokens: Token[], at: number): boolean {
  if (futureFrame(text, tokens, at) || deniedReport(text, tokens, at) || historyFrame(text, tokens, at)) return true;
  if (rollOutcome(tokens) || expectedAfter(text, tokens, at)) return true;
  let colon = false;
  // a dream verb frames its own clause only: "the Choir, who had long dreamed of it, took Lowmarket" is told
  let sameClause = true;
  for (let j = at - 1; j >= 0; j--) {
    const gapFrom = (tokens[j] as Token).end;
    const gapTo = (tokens[j + 1] as Token).start;
    if (punctIn(text, gapFrom, gapTo, SEMICOLON)) return false;
    if (punctIn(text, gapFrom, gapTo, COLON)) colon = true;
    if (punctIn(text, gapFrom, gapTo, CLAUSE_PUNCT | EM_DASH)) sameClause = false;
    const w = (tokens[j] as Token).lower;
    if (sameClause && DREAM_VERBS.has(w)) return true;
    if (CLAUSE_BREAK.has(w)) sameClause = false;
    if (colon && FRAME_LEADS.has(w)) return true;
    if (VISION_WORDS.has(w) && tokenAt(tokens, j - 2)?.lower === 'in') return true;
    if (j === 0 && CONDITIONAL_OPENERS.has(w)) return !(colon && (w === 'if' || w === 'unless'));
  }
  return false;
}

/** A question: the verb's clause ends with "?" ('"Has the Tithe captured Lowmarket yet?" she asks.'). */
export function asked(text: string, tokens: Token[], at: number): boolean {
  for (let p = (tokens[at] as Token).end; p < text.length; p++) {
    const c = text.charCodeAt(p);
    if (c === 63) return true;
    if (c === 46 || c === 33) return false;
  }
  return false;
}
