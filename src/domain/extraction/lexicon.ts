import { KeyFilter } from '../text/key-filter.js';
import { nameKeys } from '../text/tokens.js';
import type { ProhibitedCapability, WorldEntity, WorldFile } from '../world/types.js';
import { CAPITALISED_STOPWORDS } from './hedges.js';
import { cueType, TITLES } from './type-guess.js';
import type { MatchType } from './types.js';

export interface LexiconPattern {
  keys: string[];
  /** index into Lexicon.entities or Lexicon.capabilities */
  ref: number;
  matchType: MatchType;
  value: string;
  /**
   * May match written all in lower case ("the iron tithe", "harrowgate"): the name holds a
   * coined word, so lower case is a typing habit, not an ordinary word ("masks", "the fens").
   */
  lowerOk?: boolean;
  /**
   * A faction name of ordinary words ending in a group noun ("Kite Guild"): written all in
   * lower case it counts only right after "the" ("the kite guild seized Cinderhold").
   */
  lowerAfterThe?: boolean;
  /**
   * An alias the world file writes with its article, of one ordinary word ("the Masks", "the
   * Fens", "the Collector"): it names the entity only after "the"; "Masks hung from every
   * doorway" and "Fens stretched west" are ordinary words capitalised at a sentence start.
   */
  needsThe?: boolean;
  /**
   * "the Guild", "the Compact": the group noun a faction's canonical name ends in, when no other
   * faction's does. Needs "the" and a capital, and is no reference before "of" ("the Order of
   * the Pale Lantern" is another order).
   */
  shortForm?: boolean;
  /**
   * Written in lower case after "the", a faction's one-word alias ("the kiters") or the distinct
   * last word of its name ("the corsairs", "the tithe") names it only when the transcript has
   * already named that faction (extract-entities keeps such a hit, `weak` in LexiconHit, only
   * then): alone, "the tithe" may be a tax. Never capitalised (`lowerOnly` patterns), never
   * without "the", never a GENERIC word ("the order", "the court").
   */
  lowerIfNamed?: boolean;
  /** A pattern that exists only for `lowerIfNamed`: capitalised, the word is matched as before. */
  lowerOnly?: boolean;
}

/**
 * Precompiled world lexicon, built once per world and reused across sessions. Patterns are
 * indexed by their first token key (longest first), so matching a sentence is one map
 * look-up per token; fuzzy matching uses a deletion neighbourhood (SymSpell style) so a
 * typo costs a handful of look-ups instead of a scan over every name.
 */
export interface Lexicon {
  entities: WorldEntity[];
  capabilities: ProhibitedCapability[];
  entityById: Map<string, WorldEntity>;
  capabilityById: Map<string, ProhibitedCapability>;
  entityPatterns: Map<string, LexiconPattern[]>;
  capabilityPatterns: Map<string, LexiconPattern[]>;
  /** Pre-checks for the two pattern maps (most tokens start no name). */
  entityFirstKeys: KeyFilter;
  capabilityFirstKeys: KeyFilter;
  /** token key -> entity index, for canonical-name tokens that occur in exactly one entity's names. */
  distinctTokens: Map<string, number>;
  /** deletion variant -> distinct token keys it can come from. */
  fuzzyIndex: Map<string, string[]>;
  /** Every token key used by any entity name (pre-filter for the tagger). */
  nameTokens: Set<string>;
  /** token key -> the entities (indices) whose names use it. */
  tokenOwners: ReadonlyMap<string, ReadonlySet<number>>;
  /**
   * What matching asks of a capitalised word, in one look-up instead of up to six Set look-ups
   * and a typo memo per token (matchEntities). Holds every capitalised stopword, title, name
   * word and distinct token; typo look-ups add the other words they meet (not `built`).
   */
  words: Map<string, WordInfo>;
  /** How many entries of `words` buildLexicon made (the rest are typo memo, bounded). */
  builtWords: number;
}

/** One lower-case word as lexicon matching sees it. */
export interface WordInfo {
  /** In CAPITALISED_STOPWORDS: its capital says nothing ("The", "When"). */
  stopword: boolean;
  /** A title or a word of an entity name: as a capitalised neighbour it is no unknown name's word. */
  nameWord: boolean;
  /** distinctTokens' entity for it, else -1. */
  distinctRef: number;
  /** Its one-edit typo entity (typoRef), null for none; undefined until looked up. */
  typoRef: number | null | undefined;
  /** Made by buildLexicon, not by a typo look-up. */
  built: boolean;
}

function wordTable(nameTokens: Set<string>, distinctTokens: Map<string, number>): Map<string, WordInfo> {
  const words = new Map<string, WordInfo>();
  const info = (k: string): WordInfo => {
    let w = words.get(k);
    if (!w) words.set(k, (w = { stopword: false, nameWord: false, distinctRef: -1, typoRef: undefined, built: true }));
    return w;
  };
  for (const k of CAPITALISED_STOPWORDS) info(k).stopword = true;
  for (const k of TITLES) info(k).nameWord = true;
  for (const k of nameTokens) info(k).nameWord = true;
  for (const [k, ref] of distinctTokens) info(k).distinctRef = ref;
  return words;
}

/** Name words too generic to identify an entity alone ("Guild", "Captain"). */
const GENERIC = new Set([
  'the',
  'of',
  'and',
  'guild',
  'order',
  'compact',
  'court',
  'choir',
  'range',
  'vale',
  'fens',
  'steppe',
  'coast',
  'forest',
  'gap',
  'pass',
  'highlands',
  'city',
  'gate',
  'market',
  'keep',
  'docks',
  'captain',
  'saint',
  'high',
  'marshal',
  'old',
  'crown',
  'bell',
  'blade',
  'compass',
  'veil',
  'rest',
  'mountains',
  'peaks',
  'plains',
  'marsh',
  'shore',
  'shoals',
  'wood',
  'heights',
  'envoy',
  'collector',
  'masked',
  'kite',
  'kites',
  'lantern',
]);
const MIN_FUZZY_LENGTH = 6;

function addPattern(map: Map<string, LexiconPattern[]>, p: LexiconPattern): void {
  const first = p.keys[0];
  if (first === undefined) return;
  const list = map.get(first) ?? [];
  if (list.some((q) => q.ref === p.ref && q.keys.join(' ') === p.keys.join(' '))) return;
  list.push(p);
  list.sort((a, b) => b.keys.length - a.keys.length || (a.matchType === 'canonical' ? -1 : 1));
  map.set(first, list);
}

export function deletionVariants(word: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}

export function buildLexicon(world: WorldFile | { entities: WorldEntity[]; capabilities: ProhibitedCapability[] }): Lexicon {
  const entities = world.entities;
  const capabilities = world.capabilities ?? [];
  const entityPatterns = new Map<string, LexiconPattern[]>();
  const capabilityPatterns = new Map<string, LexiconPattern[]>();
  const owners = new Map<string, Set<number>>();
  const nameTokens = new Set<string>();
  const canonicalTokens = new Set<string>();
  entities.forEach((e, ref) => {
    for (const k of nameKeys(e.canonicalName)) canonicalTokens.add(k);
    const names: Array<[string, MatchType]> = [
      [e.canonicalName, 'canonical'],
      ...e.aliases.map((a): [string, MatchType] => [a, 'alias']),
    ];
    for (const [value, matchType] of names) {
      const keys = nameKeys(value);
      if (keys.length === 0) continue;
      const groupName = e.entityType === 'faction' && keys.length >= 2 && cueType(keys[keys.length - 1] as string) === 'faction';
      const needsThe = matchType === 'alias' && keys.length === 1 && /^the\s/i.test(value);
      addPattern(entityPatterns, {
        keys,
        ref,
        matchType,
        value,
        ...(groupName ? { lowerAfterThe: true } : {}),
        ...(needsThe ? { needsThe: true } : {}),
      });
      // "Kite-Guild", "IronTithe": a two- or three-word name written as one word is the same name.
      if (keys.length >= 2 && keys.length <= 3 && !keys.includes('of'))
        for (const joined of [keys.join('-'), keys.join('')]) {
          addPattern(entityPatterns, { keys: [joined], ref, matchType, value });
          nameTokens.add(joined);
        }
      for (const k of keys) {
        nameTokens.add(k);
        const set = owners.get(k) ?? new Set<number>();
        set.add(ref);
        owners.set(k, set);
      }
    }
  });
  // Short forms: "the Guild" for the Prismwell Kite Guild when it is the world's only guild.
  const heads = new Map<string, number[]>();
  entities.forEach((e, ref) => {
    if (e.entityType !== 'faction') return;
    const keys = nameKeys(e.canonicalName);
    const head = keys[keys.length - 1] as string;
    if (keys.length >= 2 && GENERIC.has(head) && cueType(head) === 'faction') heads.set(head, [...(heads.get(head) ?? []), ref]);
  });
  for (const [head, refs] of heads) {
    const ref = refs[0] as number;
    if (refs.length !== 1) continue;
    const value = `the ${head.charAt(0).toUpperCase()}${head.slice(1)}`;
    addPattern(entityPatterns, { keys: [head], ref, matchType: 'alias', value, needsThe: true, shortForm: true });
  }
  capabilities.forEach((c, ref) => {
    for (const [value, matchType] of [[c.label, 'canonical'], ...c.aliases.map((a) => [a, 'alias'])] as Array<
      [string, MatchType]
    >) {
      const keys = nameKeys(value);
      if (keys.length > 0) addPattern(capabilityPatterns, { keys, ref, matchType, value });
    }
  });
  const distinctTokens = new Map<string, number>();
  const fuzzyIndex = new Map<string, string[]>();
  for (const [k, set] of owners) {
    // Only canonical-name words identify an entity alone: alias words are often plain
    // English ("Hollow Wood", "Vale of Dusk") and would fire on ordinary prose.
    if (set.size !== 1 || GENERIC.has(k) || k.length < 4 || !canonicalTokens.has(k)) continue;
    const [ref] = [...set];
    if (ref === undefined) continue;
    distinctTokens.set(k, ref);
    if (k.length < MIN_FUZZY_LENGTH) continue;
    for (const v of [k, ...deletionVariants(k)]) {
      const list = fuzzyIndex.get(v) ?? [];
      if (!list.includes(k)) list.push(k);
      fuzzyIndex.set(v, list);
    }
  }
  // Coined words: canonical-name words of one entity; a single-word name needs a long one
  // ("harrowgate", "emberwrights"), a several-word name any one of them ("iron tithe"); a
  // hyphenated word counts when its first part is one ("tithe-men").
  const distinctList = [...distinctTokens.keys()]; // once, not once per pattern
  const coined = (k: string, minLength: number) =>
    k.length >= minLength &&
    (distinctTokens.has(k) || distinctList.some((d) => (d.length >= 7 && k.startsWith(d)) || k.startsWith(`${d}-`)));
  for (const list of entityPatterns.values())
    for (const p of list) {
      // A long one-word canonical name is coined even when another entity's alias shares it
      // ("brackwater": Brackwater and the Bell of Brackwater).
      const ok =
        p.keys.length === 1
          ? coined(p.keys[0] as string, 7) || (p.matchType === 'canonical' && (p.keys[0] as string).length >= 8)
          : p.keys.some((k) => coined(k, 4));
      if (ok) p.lowerOk = true;
    }
  // Lower case after "the", once the transcript has named the faction (after the coined-word
  // pass, so these never match lower case without "the").
  entities.forEach((e, ref) => {
    if (e.entityType !== 'faction') return;
    for (const p of entityPatterns.values())
      for (const q of p)
        if (
          q.ref === ref &&
          q.matchType === 'alias' &&
          q.keys.length === 1 &&
          !q.lowerOk &&
          !q.needsThe &&
          !GENERIC.has(q.keys[0] as string)
        )
          q.lowerIfNamed = true;
    const keys = nameKeys(e.canonicalName);
    const head = keys[keys.length - 1] as string;
    // Plural heads only (a group of people): a singular one may be a thing ("the tithe was paid in grain").
    if (keys.length < 2 || GENERIC.has(head) || !head.endsWith('s') || head.length < 5 || distinctTokens.get(head) !== ref)
      return;
    const value = `the ${head.charAt(0).toUpperCase()}${head.slice(1)}`;
    addPattern(entityPatterns, { keys: [head], ref, matchType: 'alias', value, lowerIfNamed: true, lowerOnly: true });
  });
  const words = wordTable(nameTokens, distinctTokens);
  // "the Knights", "the Raiders", "the Collectors": the plural last word of a faction's alias of
  // several words ("Thalric knights"), held by no other entity's names. Like a short form it needs
  // "the" and a capital, and is no reference before "of" ("the Knights of the Pale Star").
  entities.forEach((e, ref) => {
    if (e.entityType !== 'faction') return;
    for (const alias of e.aliases) {
      const keys = nameKeys(alias);
      const head = keys[keys.length - 1] as string;
      if (keys.length < 2 || GENERIC.has(head) || !head.endsWith('s') || head.length < 5) continue;
      if (owners.get(head)?.size !== 1 || entityPatterns.has(head)) continue;
      const value = `the ${head.charAt(0).toUpperCase()}${head.slice(1)}`;
      addPattern(entityPatterns, { keys: [head], ref, matchType: 'alias', value, needsThe: true, shortForm: true });
    }
  });
  return {
    entities,
    capabilities,
    entityById: new Map(entities.map((e) => [e.entityId, e])),
    capabilityById: new Map(capabilities.map((c) => [c.id, c])),
    entityPatterns,
    capabilityPatterns,
    entityFirstKeys: new KeyFilter(entityPatterns.keys()),
    capabilityFirstKeys: new KeyFilter(capabilityPatterns.keys()),
    distinctTokens,
    fuzzyIndex,
    nameTokens,
    tokenOwners: owners,
    words,
    builtWords: words.size,
  };
}
