import type { Turn } from '../types.js';
import type { EntityMention } from './types.js';

/**
 * '"Prismwell's fallen," the pedlar says. "The Masks took the city." ... The kites still ride the
 * wind above the City of Kites, and the Guild's wardens stand at every gate.': a report or rumour
 * that the narrator, later in the same scene, contradicts in a sentence of its own naming the same
 * place is no change: its changes are withdrawn (the mention stays, as a mention). The narrator
 * contradicts a report when that sentence (not quoted, not hedged, changing nothing itself)
 * - calls it untrue ("it wasn't the truth about Prismwell", "the story about Lowmarket is a lie"), or
 * - says another faction still holds the place ("the knights still hold Harrowgate's every gate"), or
 * - for a reported ruin, says the place is whole ("Saint Orrin stands untouched").
 * withdrawDeniedReports reads the other way a report is denied: a player's question and a "no".
 *
 * Mentions are never mutated (a sentence's change lists may be shared by its repeats): a mention
 * that loses its changes is replaced by a copy.
 */
export function withdrawRefutedReports(mentions: EntityMention[], turns: readonly Turn[]): void {
  let reported: number[] | null = null;
  for (let k = 0; k < mentions.length; k++) {
    const m = mentions[k] as EntityMention;
    if (m.hedged && m.proposedChanges.length > 0 && m.source.speaker !== 'player') (reported ??= []).push(k);
  }
  if (reported === null) return;
  const turnAt = new Map<string, number>();
  for (let i = 0; i < turns.length; i++) turnAt.set((turns[i] as Turn).turnId, i);
  const position = (m: EntityMention) => (turnAt.get(m.source.turnId) ?? 0) * 10_000 + m.source.sentenceIndex;
  for (const k of reported) {
    const m = mentions[k] as EntityMention;
    const after = position(m);
    const refuted = mentions.some(
      (q) =>
        q.entityId === m.entityId &&
        q.source.sceneId === m.source.sceneId &&
        q.source.speaker !== 'player' &&
        !q.hedged &&
        q.proposedChanges.length === 0 &&
        position(q) > after &&
        refutes(q, m, mentions),
    );
    if (refuted) mentions[k] = { ...m, proposedChanges: [] };
  }
}

/** "a lie", "false", "wasn't the truth", "nonsense", "fallen apart": the narrator calls a story untrue. */
const UNTRUE =
  /\b(?:false|untrue|a lie|lies|nonsense|rubbish|no truth|(?:not|n[’']t) (?:the )?tru(?:e|th)|fallen apart|baseless)\b/i;
/** "still" before a verb of holding or presence: the old state goes on ("the knights still hold", "the flags still fly"). */
const STILL_HOLDING =
  /\bstill\s+(?:\w+\s+)?(?:holds?|held|rules?|owns?|keeps?|controls?|belongs?|fl(?:y|ies)|stands?|rides?|guards?|patrols?|is|are)\b/i;
/** A place that a report said was ruined, told whole. */
const WHOLE = /\b(?:whole|intact|untouched|unharmed|unscathed|unbroken|still stands?|still standing)\b/i;
const QUOTES = /["\u201c\u201d]/;
/** How many characters may stand between the holding faction's name and "still" ("the Corsairs' black flags still fly"). */
const SUBJECT_REACH = 24;

/** Does the narrator's sentence of mention `q` contradict the reported changes of mention `m` (same place)? */
function refutes(q: EntityMention, m: EntityMention, mentions: readonly EntityMention[]): boolean {
  const s = q.sentence;
  if (QUOTES.test(s)) return false;
  if (UNTRUE.test(s)) return true;
  for (const c of m.proposedChanges) {
    if (c.kind === 'status' && c.to === 'devastated' && WHOLE.test(s)) return true;
    if (c.kind !== 'control') continue;
    const still = STILL_HOLDING.exec(s);
    if (still === null) continue;
    // another faction holds on: named in the same sentence just before "still" (its subject)
    const lower = s.toLowerCase();
    for (const f of mentions) {
      if (f.entityType !== 'faction' || f.entityId === c.to) continue;
      if (f.source.turnId !== q.source.turnId || f.source.sentenceIndex !== q.source.sentenceIndex) continue;
      const at = lower.lastIndexOf(f.match.value.toLowerCase(), still.index);
      if (at >= 0 && still.index - (at + f.match.value.length) <= SUBJECT_REACH) return true;
    }
  }
  return false;
}
