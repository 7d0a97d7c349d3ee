import type { EntityMention, ProposedChange } from './types.js';

/**
 * A loss that names no gainer ("the Court's lost Velmoor", "the Corsairs were driven out of
 * Brackwater") says only that the holder let go. When the same scene goes on to say who took
 * the place ("The Iron Tithe walked in and took it"), that gain is the change the text states:
 * the unnamed loss is its first half, not a second change to "nobody". A gain that is only
 * hedged does not supersede a loss stated as fact (the loss stands; who gained is a rumour).
 * Losses after the last gain of their place, and in other scenes, stand.
 *
 * Mentions are never mutated (a sentence's change lists may be shared by its repeats): a
 * mention that loses a change is replaced by a copy.
 */
export function dropSupersededUnnamedLosses(mentions: EntityMention[]): void {
  // Per scene and place: the index of the last mention that names a gainer (hedged or not, and factual only).
  const lastGain = new Map<string, number>();
  const lastFactualGain = new Map<string, number>();
  let anyUnnamed = false;
  for (let k = 0; k < mentions.length; k++) {
    const m = mentions[k] as EntityMention;
    // Indexed: most lists are the shared frozen empty one, whose for-of allocates an iterator per mention.
    for (let j = 0; j < m.proposedChanges.length; j++) {
      const c = m.proposedChanges[j] as ProposedChange;
      if (c.kind !== 'control') continue;
      if (c.to === null) anyUnnamed = true;
      else {
        const key = `${m.source.sceneId ?? ''}|${m.entityId}`;
        lastGain.set(key, k);
        if (!m.hedged) lastFactualGain.set(key, k);
      }
    }
  }
  if (!anyUnnamed) return;
  for (let k = 0; k < mentions.length; k++) {
    const m = mentions[k] as EntityMention;
    if (!m.proposedChanges.some(unnamedLoss)) continue;
    const key = `${m.source.sceneId ?? ''}|${m.entityId}`;
    const gainAt = (m.hedged ? lastGain : lastFactualGain).get(key);
    if (gainAt === undefined || gainAt < k) continue;
    mentions[k] = { ...m, proposedChanges: m.proposedChanges.filter((c) => !unnamedLoss(c)) };
  }
}

const unnamedLoss = (c: ProposedChange) => c.kind === 'control' && c.to === null;
