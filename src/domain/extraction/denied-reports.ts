import { splitSentences } from '../text/sentences.js';
import { type Token, tokenize } from '../text/tokens.js';
import type { Turn } from '../types.js';
import { openingAnswer } from './confirmed-claims.js';
import type { EntityMention } from './types.js';

/**
 * Reports the narrator denies: their changes are withdrawn (the mention stays, as a mention).
 *
 * - "The pedlars swear the Iron Tithe has burned Saint Orrin." / P: "Is it true?" (or "I go to see
 *   whether it is true") / GM: "No. The shrine town is whole.": a report the player asks about,
 *   which the GM's next turn answers with no. The player's question decides what is denied: the reported entities it names, or, when it
 *   names none ("Is it true?"), every reported change of that GM turn. A yes leaves the report as it
 *   is (still moderated).
 * - "The ferrymen say the Corsairs took Lowmarket. They are wrong.", "..., but they are wrong: the
 *   Court still holds it": the narrator says the report is wrong, in a clause after "but" in the
 *   report's own sentence, in the sentence right after it, or opening the next GM turn.
 *
 * Mentions are never mutated (a sentence's change lists may be shared by its repeats): a mention
 * that loses its changes is replaced by a copy.
 */
export function withdrawDeniedReports(mentions: EntityMention[], turns: readonly Turn[]): void {
  let reportedTurns: Set<string> | null = null;
  for (const m of mentions)
    if (m.hedged && m.proposedChanges.length > 0 && m.source.speaker !== 'player')
      (reportedTurns ??= new Set()).add(m.source.turnId);
  if (reportedTurns === null) return;
  // turn id of a reporting GM turn -> the entities a denial covers (null: all of them)
  let denied: Map<string, Set<string> | null> | null = null;
  // turn id of a reporting GM turn whose next GM turn opens by saying it is wrong
  let deniedNext: Set<string> | null = null;
  for (let i = 0; i + 1 < turns.length; i++) {
    const report = turns[i] as Turn;
    if (!reportedTurns.has(report.turnId) || report.speaker === 'player') continue;
    const next = turns[i + 1] as Turn;
    if (next.speaker !== 'player') {
      const first = splitSentences(next.text)[0];
      if (first !== undefined && deniesReport(tokenize(first), 0)) (deniedNext ??= new Set()).add(report.turnId);
      continue;
    }
    const answer = turns[i + 2];
    if (!answer || !ASKS.test(next.text) || answer.speaker === 'player') continue;
    if (openingAnswer(splitSentences(answer.text)) !== 'no') continue;
    let named: Set<string> | null = null;
    for (const m of mentions) if (m.source.turnId === next.turnId) (named ??= new Set()).add(m.entityId);
    (denied ??= new Map()).set(report.turnId, named);
  }
  for (let k = 0; k < mentions.length; k++) {
    const m = mentions[k] as EntityMention;
    if (!m.hedged || m.proposedChanges.length === 0 || m.source.speaker === 'player') continue;
    let withdraw = false;
    if (denied?.has(m.source.turnId)) {
      const named = denied.get(m.source.turnId);
      withdraw = !named || named.has(m.entityId);
    }
    // the report's own sentence ("..., but they are wrong") or the next one ("They are wrong.")
    if (!withdraw) withdraw = deniedInOrAfter(m.sentence, m.context.next);
    // the turn's last sentence, denied by the next GM turn's first
    if (!withdraw && m.context.next === null && deniedNext?.has(m.source.turnId)) withdraw = true;
    if (withdraw) mentions[k] = { ...m, proposedChanges: [] };
  }
}

/**
 * A player's turn that asks whether something is so: a question, or going to see ("I go to
 * Prismwell to see whether the first part is true", "I want to see it for myself").
 */
const ASKS = /\?|\bwhether\b|\btrue\b|\bfor (myself|ourselves)\b/i;

function deniedInOrAfter(sentence: string, next: string | null): boolean {
  if (next !== null && deniesReport(tokenize(next.length > 80 ? next.slice(0, 80) : next), 0)) return true;
  if (!/\bbut\b/i.test(sentence)) return false;
  const tokens = tokenize(sentence);
  for (let i = 1; i < tokens.length; i++) if ((tokens[i] as Token).lower === 'but' && deniesReport(tokens, i + 1)) return true;
  return false;
}

/** What a report can be called wrong by: "they are wrong", "the rumour is false", "it is not true". */
const DENIERS = new Set(['wrong', 'false', 'mistaken', 'untrue', 'lies', 'lying', 'nonsense', 'baseless', 'unfounded']);
const REPORT_SUBJECTS = new Set(['they', 'he', 'she', 'it', 'that', 'this', 'all']);
const REPORT_NOUNS = new Set([
  'rumour',
  'rumours',
  'rumor',
  'rumors',
  'story',
  'stories',
  'report',
  'reports',
  'tale',
  'tales',
  'talk',
  'news',
  'claim',
  'claims',
]);
const BE = new Set(['is', 'are', 'was', 'were', "isn't", "aren't", "wasn't", "weren't", 'isn’t', 'aren’t', 'wasn’t', 'weren’t']);
const CONTRACTED = /^(they|he|she|it|that)['\u2019](re|s)$/;

/**
 * Does the clause from token `at` call a report wrong: a pronoun or a noun of report, a form of
 * "be" (or its contraction), and a word of denial or "not true" ("They are wrong.", "But the
 * rumours are false", "It isn't true", "They're mistaken", "None of it is true")?
 */
export function deniesReport(tokens: Token[], at: number): boolean {
  let i = at;
  if (tokens[i]?.lower === 'but' || tokens[i]?.lower === 'yet') i++;
  const w = tokens[i]?.lower ?? '';
  if (w === 'none' && tokens[i + 1]?.lower === 'of' && tokens[i + 2]?.lower === 'it') i += 3;
  else if (CONTRACTED.test(w)) i += 1;
  else if (REPORT_SUBJECTS.has(w)) i += 1;
  else if ((w === 'the' || w === 'these' || w === 'those' || w === 'such') && REPORT_NOUNS.has(tokens[i + 1]?.lower ?? ''))
    i += 2;
  else return false;
  if (!CONTRACTED.test(w)) {
    if (!BE.has(tokens[i]?.lower ?? '')) return false;
    i++;
  }
  const negated = /n['\u2019]t$/.test(tokens[i - 1]?.lower ?? '');
  for (let j = i; j < tokens.length && j < i + 3; j++) {
    const x = (tokens[j] as Token).lower;
    if (DENIERS.has(x)) return true;
    if ((x === 'true' || x === 'so') && (negated || tokens[j - 1]?.lower === 'not')) return true;
    if (x !== 'not' && x !== 'all' && x !== 'quite' && x !== 'simply' && x !== 'dead' && x !== 'a') return false;
  }
  return false;
}
