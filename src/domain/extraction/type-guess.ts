import type { EntityType } from '../world/types.js';

/** Last-word cues for a new name's type; a title in front makes it a character. */
const CUES: Array<[EntityType, string[]]> = [
  [
    'faction',
    [
      'guild',
      'order',
      'compact',
      'court',
      'company',
      'brotherhood',
      'sisterhood',
      'choir',
      'circle',
      'league',
      'legion',
      'covenant',
      'syndicate',
      'clan',
      'house',
      'corsairs',
      'raiders',
      'wardens',
      'watch',
      'council',
      'cult',
      'band',
      'pact',
      'accord',
      'fellowship',
      'society',
      'consortium',
      'tithe',
      'host',
      'knights',
      'riders',
      'hand',
      'army',
    ],
  ],
  [
    'region',
    [
      'range',
      'vale',
      'valley',
      'fens',
      'fen',
      'marsh',
      'marshes',
      'steppe',
      'coast',
      'forest',
      'wood',
      'woods',
      'gap',
      'pass',
      'highlands',
      'mountains',
      'peaks',
      'hills',
      'plains',
      'desert',
      'wastes',
      'sea',
      'reach',
      'marches',
      'moor',
      'moors',
      'isles',
      'island',
      'bay',
      'expanse',
      'downs',
      'wilds',
      'lowlands',
      'basin',
      'sound',
      'shore',
    ],
  ],
  [
    'settlement',
    [
      'city',
      'town',
      'village',
      'keep',
      'hold',
      'port',
      'harbor',
      'harbour',
      'market',
      'haven',
      'fort',
      'fortress',
      'citadel',
      'crossing',
      'ford',
      'bridge',
      'hamlet',
      'outpost',
      'abbey',
      'monastery',
      'tower',
      'spire',
      'landing',
      'docks',
      'station',
    ],
  ],
  [
    'artifact',
    [
      'crown',
      'blade',
      'sword',
      'compass',
      'bell',
      'veil',
      'amulet',
      'ring',
      'staff',
      'tome',
      'codex',
      'orb',
      'shield',
      'spear',
      'chalice',
      'mask',
      'relic',
      'key',
      'stone',
      'banner',
      'horn',
      'lens',
      'mirror',
      'scepter',
      'sceptre',
      'lantern',
      'map',
      'engine',
      'idol',
      'dagger',
      'helm',
      'cloak',
    ],
  ],
];
const CUE_INDEX = new Map<string, EntityType>();
for (const [type, words] of CUES) for (const w of words) CUE_INDEX.set(w, type);

/** The entity type a last word suggests ("guild" -> faction), if any. */
export function cueType(word: string): EntityType | undefined {
  return CUE_INDEX.get(word);
}

/** A type cue word can end a name whatever the tagger says ("Keep" is often tagged a verb). */
export function isTypeCue(word: string): boolean {
  return CUE_INDEX.has(word.toLowerCase());
}

export const TITLES = new Set([
  'captain',
  'lord',
  'lady',
  'sir',
  'dame',
  'master',
  'mistress',
  'brother',
  'sister',
  'elder',
  'queen',
  'king',
  'prince',
  'princess',
  'duke',
  'duchess',
  'baron',
  'baroness',
  'count',
  'countess',
  'commander',
  'general',
  'marshal',
  'magister',
  'archon',
  'warden',
  'envoy',
  'father',
  'mother',
  'doctor',
  'professor',
  'chancellor',
  'admiral',
  'sergeant',
  'lieutenant',
  'abbess',
  'abbot',
  'forgemistress',
  'forgemaster',
  'high',
  'old',
  // roles written capitalised without a name ("the Harbourmaster's tower")
  'harbourmaster',
  'harbormaster',
  'quartermaster',
  'magistrate',
  'steward',
  'reeve',
  'bishop',
  'priest',
  'priestess',
  'herald',
  'archivist',
  'castellan',
  'seneschal',
  'regent',
  'chieftain',
  'emissary',
  'ambassador',
  'prior',
  'oracle',
  'innkeeper',
  'ferryman',
  'grand',
  'inquisitor',
  'vizier',
  'matriarch',
  'patriarch',
  // civic offices before a name ("Councillor Amsel Roy", "Mayor Odile Brandt"): a title, not part of it
  'councillor',
  'councilor',
  'alderman',
  'alderwoman',
  'mayor',
  'burgomaster',
  'provost',
  'constable',
  'bailiff',
  'sheriff',
  'chaplain',
  'deacon',
  // "the Lord Protector", "the Keeper of the Drowned Bell": roles, not names
  'protector',
  'keeper',
]);

const PLACE_PREPOSITIONS = new Set(['in', 'at', 'to', 'from', 'near', 'toward', 'towards', 'into', 'through', 'across']);

export interface TypeGuess {
  entityType: EntityType;
  cue: string | null;
}

/**
 * Guesses a new name's type: a cue word at the end ("Silver Guild"), a title in front
 * ("Captain Veyla Strand"), a place preposition in front ("in Orlen" -> settlement), else a
 * character, since unknown two-word names in these stories are mostly people.
 */
export function guessEntityType(nameWords: string[], title: string | null, precedingWord: string | null): TypeGuess {
  // "Order of the Pale Star", "Company of the Red Lantern": the head before "of" decides, not the last word.
  const head = CUE_INDEX.get(nameWords[0]?.toLowerCase() ?? '');
  if (head && nameWords[1]?.toLowerCase() === 'of') return { entityType: head, cue: nameWords[0] ?? null };
  // "Aldric van Horn": a lower-case word inside the name other than of/the/and is a surname particle
  for (let k = 1; k < nameWords.length - 1; k++) {
    const w = nameWords[k] as string;
    const c = w.charCodeAt(0);
    if (c >= 97 && c <= 122 && w !== 'of' && w !== 'the' && w !== 'and') return { entityType: 'character', cue: title };
  }
  const last = nameWords[nameWords.length - 1]?.toLowerCase() ?? '';
  const cued = CUE_INDEX.get(last);
  if (cued) return { entityType: cued, cue: nameWords[nameWords.length - 1] ?? null };
  if (title) return { entityType: 'character', cue: title };
  if (precedingWord && PLACE_PREPOSITIONS.has(precedingWord.toLowerCase()))
    return { entityType: 'settlement', cue: precedingWord };
  return { entityType: 'character', cue: null };
}
