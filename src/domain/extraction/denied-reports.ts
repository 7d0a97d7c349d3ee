import { splitSentences } from '../text/sentences.js';
import type { Turn } from '../types.js';
import { openingAnswer } from './confirmed-claims.js';
import type { EntityMention } from './types.js';

/**
 * "The pedlars swear the Iron Tithe has burned Saint Orrin." / P: "Is it true?" / GM: "No. The
 * shrine town is whole.": a report or rumour the GM passed on, which the player then asks about
 * and the GM's next turn answers with no, is denied by the narrator: its changes are withdrawn
 * (the mention stays, as a mention). The player's question decides what is denied: the reported
 * entities it names, or, when it names none ("Is it true?"), every reported change of that GM turn.
 * A yes leaves the report as it is (still moderated: the confirmation is read by confirmedClaims
 * only for what the player claimed). Only the three turns in a row, GM, player, GM, are read.
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
  // turn id of a reporting GM turn -> the entities its denial covers (null: all of them)
  let denied: Map<string, Set<string> | null> | null = null;
  for (let i = 0; i + 2 < turns.length; i++) {
    const report = turns[i] as Turn;
    const question = turns[i + 1] as Turn;
    const answer = turns[i + 2] as Turn;
    if (!reportedTurns.has(report.turnId) || report.speaker === 'player') continue;
    if (question.speaker !== 'player' || !question.text.includes('?') || answer.speaker === 'player') continue;
    if (openingAnswer(splitSentences(answer.text)) !== 'no') continue;
    let named: Set<string> | null = null;
    for (const m of mentions) if (m.source.turnId === question.turnId) (named ??= new Set()).add(m.entityId);
    (denied ??= new Map()).set(report.turnId, named);
  }
  if (denied === null) return;
  for (let k = 0; k < mentions.length; k++) {
    const m = mentions[k] as EntityMention;
    if (!m.hedged || m.proposedChanges.length === 0 || !denied.has(m.source.turnId)) continue;
    const named = denied.get(m.source.turnId);
    if (named && !named.has(m.entityId)) continue;
    mentions[k] = { ...m, proposedChanges: [] };
  }
}
