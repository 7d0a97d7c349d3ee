import { KeyFilter } from '../text/key-filter.js';
import type { Token } from '../text/tokens.js';
import { groupDescriptionAt } from './group-descriptions.js';
import type { Lexicon } from './lexicon.js';

/**
 * Faction descriptions: "the knights", "the smiths", "the raiders", "the collectors" describe one
 * faction by a word of its own (a tag in the world file, a word of an alias), whichever faction
 * the sentence before was about. LLM narration names a faction once and then calls it what it is
 * ("the galleys of the Thalric Order ... The Corsairs are outnumbered ... the knights have planted
 * their standard"), so the scene (extract-entities.ts) lets such a description mean its own
 * faction rather than the antecedent, when that faction has been named in the scene.
 */

/** Descriptor words by faction ids, per lexicon (built once per world). */
const DESCRIPTORS = new WeakMap<Lexicon, Descriptors>();

/** The words, and a filter that spares most tokens the look-up (a fresh token's string is hashed on its first). */
interface Descriptors {
  words: ReadonlyMap<string, readonly string[]>;
  filter: KeyFilter;
}

/** Words too general to tell one faction from another, whatever the world file says. */
const TOO_GENERAL = new Set(['men', 'people', 'folk', 'war', 'wars', 'trade', 'trades', 'sea', 'seas', 'sky', 'skies', 'fire']);

function plurals(w: string): string[] {
  if (w.endsWith('s')) return [w];
  if (w.endsWith('y') && !/[aeiou]y$/.test(w)) return [`${w.slice(0, -1)}ies`];
  return [`${w}s`];
}

function descriptors(lexicon: Lexicon): Descriptors {
  let known = DESCRIPTORS.get(lexicon);
  if (known) return known;
  const built = new Map<string, string[]>();
  const add = (w: string, id: string) => {
    if (w.length < 4 || TOO_GENERAL.has(w)) return;
    const ids = built.get(w);
    if (!ids) built.set(w, [id]);
    else if (!ids.includes(id)) ids.push(id);
  };
  for (const e of lexicon.entities) {
    if (e.entityType !== 'faction') continue;
    for (const tag of e.tags ?? []) for (const w of plurals(tag.toLowerCase())) add(w, e.entityId);
    // an alias's last word, when it is a plural noun: "Thalric knights", "Saltmarch raiders", "Tithe Collectors"
    for (const alias of e.aliases ?? []) {
      const words = alias.toLowerCase().split(/[\s-]+/);
      const last = words[words.length - 1] as string;
      if (words.length > 1 && last.endsWith('s')) add(last, e.entityId);
    }
  }
  known = { words: built, filter: new KeyFilter(built.keys()) };
  DESCRIPTORS.set(lexicon, known);
  return known;
}

/** Words after which a description stands as a subject or an agent, not as the object of a verb. */
const SUBJECT_LEADS = new Set(
  (
    'and then but as when while until once by to before after now soon later finally eventually dawn dusk noon ' +
    'nightfall night morning evening midnight sunset sunrise sundown daybreak midday week day'
  ).split(' '),
);

/** A description starts at sentence start, after a clause mark, or after one of SUBJECT_LEADS. */
function subjectPosition(text: string, tokens: Token[], det: number): boolean {
  if (det === 0) return true;
  const before = tokens[det - 1] as Token;
  if (SUBJECT_LEADS.has(before.lower)) return true;
  const gap = text.slice(before.end, (tokens[det] as Token).start);
  return /[,;:\u2014\u2013"\u201c]/.test(gap);
}

/**
 * The one faction the sentence's descriptions name by its own words, in subject or agent
 * position ("by dusk the knights held the coast", "the highlands belong to the smiths"); null
 * when none, or descriptions of two factions.
 */
export function describedFaction(text: string, tokens: Token[], lexicon: Lexicon): string | null {
  const { words, filter } = descriptors(lexicon);
  let found: string | null = null;
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.cap || !filter.mayHave(t.lower)) continue;
    const ids = words.get(t.lower);
    if (ids === undefined || !groupDescriptionAt(tokens, i)) continue;
    if (ids.length !== 1) return null;
    let det = i - 1;
    while (det > 0 && !['the', 'those', 'these'].includes((tokens[det] as Token).lower)) det--;
    if (!subjectPosition(text, tokens, det)) continue;
    if (found !== null && found !== ids[0]) return null;
    found = ids[0] as string;
  }
  return found;
}
