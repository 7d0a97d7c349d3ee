import type { Token } from '../text/tokens.js';
import type { TypedHit } from './detect-changes.js';
import { membersAfterPossessive } from './group-descriptions.js';
import type { Lexicon } from './lexicon.js';
import type { LexiconHit } from './match-sentence.js';

/**
 * A character's people act for the character's faction: "Orsk Dane's men hold the Sunder Pass
 * now" is the Iron Tithe holding it when the world lists Orsk Dane as a member of the Tithe. Change
 * detection reads factions, so such a character hit (a possessive, then a members' noun: "men",
 * "riders", "bravos") is typed as the faction it belongs to; the mention stays the character's.
 * Returns `typed` itself when no hit is retyped (nearly always).
 */
export function typedWithMemberForces(lexicon: Lexicon, typed: TypedHit[], text: string, tokens: Token[]): TypedHit[] {
  let out: TypedHit[] | null = null;
  for (let i = 0; i < typed.length; i++) {
    const h = typed[i] as TypedHit;
    if (h.entityType !== 'character') continue;
    const last = tokens[h.endTok - 1];
    if (!last) continue;
    const apostrophe = text.charCodeAt(last.end);
    if (apostrophe !== 39 && apostrophe !== 0x2019) continue;
    if (!membersAfterPossessive(tokens, h.endTok, h.endTok) && !membersAfterPossessive(tokens, h.endTok, h.endTok + 1)) continue;
    const faction = factionOf(lexicon, h.entityId);
    if (faction === null) continue;
    out ??= typed.slice();
    out[i] = { entityId: faction, entityType: 'faction', startTok: h.startTok, endTok: h.endTok };
  }
  return out ?? typed;
}

/** The faction a character is a member of in the world (its first memberOf relationship), else null. */
function factionOf(lexicon: Lexicon, characterId: string): string | null {
  const rels = lexicon.entityById.get(characterId)?.state.relationships;
  if (!rels) return null;
  for (const r of rels) if (r.type === 'memberOf' && lexicon.entityById.get(r.target)?.entityType === 'faction') return r.target;
  return null;
}

/**
 * A sentence that names no faction but a character who belongs to one, by name or a title of
 * several words, as the actor himself ("Brask Ironjaw took Harrowgate before dawn", "the fens were
 * taken by Morwen Ashgrove"; not "the Collector", a common word): change detection reads the
 * character as the faction it acts for (typedWithMemberForces reads his people, everywhere). Only there: as the antecedent of a later "they" a speaker ("Old Vell sighs.") would
 * lend his faction to what he tells. The typed hits themselves when nothing maps.
 */
export function actingFor(lexicon: Lexicon, hits: LexiconHit[], typed: TypedHit[]): TypedHit[] {
  let out: TypedHit[] | null = null;
  for (let i = 0; i < typed.length; i++) {
    const t = typed[i] as TypedHit;
    const h = hits[i] as LexiconHit;
    if (t.entityType !== 'character') continue;
    // "the Collector" is one word after its article: a common noun as often as the man
    if (h.matchType !== 'canonical' && !(h.matchType === 'alias' && h.value.replace(/^the\s+/i, '').includes(' '))) continue;
    const faction = factionOf(lexicon, t.entityId);
    if (!faction) continue;
    out ??= typed.slice();
    out[i] = { entityId: faction, entityType: 'faction', startTok: t.startTok, endTok: t.endTok };
  }
  return out ?? typed;
}
