import type { Token } from '../text/tokens.js';
import { PLACE_NOUNS } from './place-references.js';

/**
 * Group descriptions: a definite noun phrase for a body of people ("the newcomers", "the grey
 * columns", "those masked ones") that refers back to the faction named before, as "they" does.
 * LLM narration names a faction once and then describes it; a closed list of such nouns missed
 * most of them, so any plural noun counts, save the people and things that are not a faction's
 * (townsfolk, defenders, walls, flames).
 */

/** Nouns that stand for the faction named before, plural or not ("the host", "the latter"). */
export const ANAPHOR_NOUNS = new Set(
  (
    'knights soldiers troops riders warriors men forces army host fleet raiders attackers invaders mercenaries ' +
    'zealots fanatics fools devils dogs butchers latter former company warband band column columns vanguard horde ' +
    'legion legions regiment sellswords brigands marauders pirates rebels faithful enemy foe newcomers conquerors'
  ).split(' '),
);

/**
 * Plural nouns that are not a faction named before: other people (a town's own folk, its
 * defenders, "those merchants"), and things or times that are no actors ("the flames took the
 * granary", "the years").
 */
const NOT_THE_FACTION = new Set(
  (
    'merchants traders villagers townsfolk townspeople people folk citizens peasants farmers children refugees locals ' +
    'fishermen defenders guards garrison militia watchmen burghers elders sailors prisoners captives survivors ' +
    'wounded dead priests monks nuns pilgrims players others both rest ' +
    'walls gates streets bells rains storms winds flames fires floods waters tides years months days weeks hours ' +
    'nights mornings evenings seasons hills fields roads bridges towers houses odds news rumours rumors words stakes ' +
    'lights lanterns fogs mists snows'
  ).split(' '),
);

/** Words that may stand between "the" and the group noun ("the grey columns", "the masked ones"): not these. */
const NOT_MODIFIERS = new Set(['of', 'and', 'or', 'to', 'in', 'on', 'at', 'by', 'with', 'from', 'for', 'that', 'which']);

/** A plural noun by its ending: "newcomers", "ships", "ones"; not "pass", "status", "axis". */
function pluralNoun(w: string): boolean {
  return w.length >= 4 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is') && !w.includes("'");
}

/**
 * Does a group description end at token `j`: the/those/these, up to two lower-case modifiers,
 * then a group noun (ANAPHOR_NOUNS, or any plural noun not in NOT_THE_FACTION and no place noun),
 * not followed by "of" ("the soldiers of Lowmarket" are Lowmarket's)?
 */
export function groupDescriptionAt(tokens: Token[], j: number): boolean {
  const t = tokens[j];
  if (!t || t.cap || tokens[j + 1]?.lower === 'of') return false;
  const w = t.lower;
  if (!ANAPHOR_NOUNS.has(w) && (!pluralNoun(w) || NOT_THE_FACTION.has(w) || PLACE_NOUNS.has(w))) return false;
  for (let k = j - 1; k >= 0 && k >= j - 3; k--) {
    const m = tokens[k] as Token;
    if (m.lower === 'the' || m.lower === 'those' || m.lower === 'these') return true;
    if (m.cap || NOT_MODIFIERS.has(m.lower) || PLACE_NOUNS.has(m.lower)) return false;
  }
  return false;
}

/**
 * A group description starting at token `at` ("fell to the newcomers", "taken by the grey
 * columns", "opened its gates to the faithful"): the index after its noun, or -1.
 */
export function groupDescriptionFrom(tokens: Token[], at: number): number {
  const det = tokens[at]?.lower;
  if (det !== 'the' && det !== 'those' && det !== 'these') return -1;
  for (let k = at + 1; k <= at + 3 && k < tokens.length; k++) if (groupDescriptionAt(tokens, k)) return k + 1;
  return -1;
}

/**
 * People a faction's possessive makes its own ("the Court's bravos", "the Tithe's wardens", "the
 * Order's garrison"): a town's defenders or guards are the faction's when it is named as theirs.
 */
const MEMBER_NOUNS = new Set(['guards', 'garrison', 'militia', 'defenders', 'wardens', 'watchmen', 'sailors', 'men']);

/**
 * Does a faction's members' noun stand at token `j`, right after the faction's possessive ("the
 * Veiled Court's bravos hold", "the Tithe's iron-shod riders hold")? `possessiveEnd` is the token
 * after the faction's name; up to one lower-case modifier may stand between. Things are no members
 * ("the Court's banners", "the Tithe's walls").
 */
export function membersAfterPossessive(tokens: Token[], possessiveEnd: number, j: number): boolean {
  if (j < possessiveEnd || j > possessiveEnd + 1) return false;
  const t = tokens[j];
  if (!t || t.cap || tokens[j + 1]?.lower === 'of') return false;
  if (j > possessiveEnd && (tokens[possessiveEnd] as Token).cap) return false;
  const w = t.lower;
  if (ANAPHOR_NOUNS.has(w) || MEMBER_NOUNS.has(w)) return true;
  return pluralNoun(w) && !NOT_THE_FACTION.has(w) && !PLACE_NOUNS.has(w) && !POSSESSED_THINGS.has(w);
}

/** A faction's things, not its people ("the Court's banners", "the Tithe's debts"). */
const POSSESSED_THINGS = new Set(
  'banners flags colours colors standards pennants debts letters coins ledgers laws claims tolls taxes tithes ships boats'.split(
    ' ',
  ),
);
