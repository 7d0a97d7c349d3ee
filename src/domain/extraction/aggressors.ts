import { KeyFilter } from '../text/key-filter.js';
import type { Token } from '../text/tokens.js';
import type { TypedHit } from './detect-changes.js';
import { CLAUSE_NEGATORS, NEGATION_WORDS } from './hedges.js';

/**
 * Aggressors and losers: what a sentence says about which faction moves against a place and
 * which one gives way, read so that the scene (scene-state.ts) can name the taker of a fall a
 * later sentence, or a later turn, leaves unclaimed ("The Emberwright Compact rolled its siege
 * engines up to Harrowgate." / "Do the walls hold?" / "Not for long. Before midnight Harrowgate
 * fell."). A faction that defends, flees or is beaten in a sentence takes nothing, and is no
 * longer the one a "they" or "the victors" of the next sentence means when another faction is
 * there to mean.
 */

/** Verbs of moving against a place or a foe: their subject is the scene's aggressor. */
const ASSAULTING = new Set(
  (
    'marched march marches attacked attack attacks advanced advance advances struck strike strikes assaulted assault ' +
    'assaults besieged besiege besieges surrounded surround surrounds stormed storm storms charged charge charges ' +
    'poured pour pours swept sweep sweeps descended descend descends landed land lands invaded invade invades ' +
    'circled circle circles encircled encircle encircles breached breach breaches bombarded bombard bombards shelled ' +
    'raided raid raids hammered hammer hammers pressed press presses pushed push pushes converged converge converges ' +
    'rolled roll rolls massed mass battered batter batters beached beach beaches'
  ).split(' '),
);

/** "laid siege", "lay siege", "lays siege": a two-word assault. */
const SIEGE_LEADS = new Set(['laid', 'lay', 'lays', 'layed']);

/** Verbs of giving way: their subject lost the fight, and a "they" or "the victors" after it means the other side. */
const GIVING_WAY = new Set(
  (
    'fled flee flees retreated retreat retreats withdrew withdraw withdraws routed repulsed repelled beaten defeated ' +
    'scattered crushed broken surrendered surrenders capitulated yielded outnumbered outmatched overmatched'
  ).split(' '),
);

/** "fell back", "pulled back", "gave ground", "broke and ran", "were driven off": two-word ways of giving way. */
const GIVING_WAY_PAIRS = new Map<string, ReadonlySet<string>>([
  ['fell', new Set(['back', 'away'])],
  ['melted', new Set(['away', 'into'])],
  ['melt', new Set(['away', 'into'])],
  ['pulled', new Set(['back', 'out'])],
  ['gave', new Set(['ground', 'way', 'up'])],
  ['broke', new Set(['first', 'and', 'ranks', 'off'])],
  ['lifted', new Set(['the'])],
  ['were', new Set(['driven', 'beaten', 'routed', 'repulsed', 'thrown', 'pushed', 'forced'])],
  ['was', new Set(['driven', 'beaten', 'routed', 'repulsed', 'thrown', 'pushed', 'forced'])],
]);

/** Does the sentence have anyone give way ("fled", "gave up", "threw down their arms")? */
export function givesWay(tokens: Token[]): boolean {
  for (let k = 0; k < tokens.length; k++) {
    const w = (tokens[k] as Token).lower;
    if (w === 'threw' && tokens[k + 1]?.lower === 'down') return true;
    if (!ROLE_FILTER.mayHave(w)) continue;
    if (GIVING_WAY.has(w) || GIVING_WAY_PAIRS.get(w)?.has(tokens[k + 1]?.lower ?? '')) return true;
  }
  return false;
}

/** Words of leaving, with "they" or no subject at all: "Gone south with their fleet.", "They left at dawn." */
const GONE = new Set(['gone', 'left', 'departed', 'sailed', 'vanished']);
const GONE_FILTER = new KeyFilter(GONE);

/**
 * A sentence about the antecedent without naming it, that has it give way or leave: "Gone south
 * with their fleet, as your contact promised.", "They fled before the first volley." (the words
 * start the sentence, or follow a sentence-initial "they"/"they're"/"they've"/"they are").
 */
export function pronounGivesWay(tokens: Token[]): boolean {
  let k = 0;
  const first = tokens[0]?.lower ?? '';
  if (first === 'they' || first === "they're" || first === "they've" || first === 'they’re' || first === 'they’ve') k = 1;
  if (
    k === 1 &&
    (tokens[1]?.lower === 'are' || tokens[1]?.lower === 'were' || tokens[1]?.lower === 'had' || tokens[1]?.lower === 'have')
  )
    k = 2;
  if (tokens[k]?.lower === 'long' || tokens[k]?.lower === 'already') k++;
  const w = tokens[k]?.lower ?? '';
  // read for every distinct sentence: the filter spares nearly all of them the hashing of a fresh word
  if (!ROLE_FILTER.mayHave(w) && !GONE_FILTER.mayHave(w)) return false;
  if (GONE.has(w)) return k > 0 || w === 'gone';
  return GIVING_WAY.has(w) || (GIVING_WAY_PAIRS.get(w)?.has(tokens[k + 1]?.lower ?? '') ?? false);
}

/** Words of defending or letting go: their subject takes nothing (it is no aggressor), but it did not lose a fight. */
const DEFENDING = new Set(
  'defended defend defends reinforced reinforce reinforces garrisoned defenders garrison abandoned abandons lost loses'.split(
    ' ',
  ),
);

/** Modals and moods that make a move against a place only intended, possible or asked. */
const NOT_YET = new Set(['will', 'shall', 'would', 'could', 'might', 'may', 'must', 'should', 'if', 'unless', 'whether']);

/** How many words after a faction its verb may stand ("The Iron Tithe's grey columns marched ..."). */
const VERB_REACH = 5;

/** What a sentence says about a faction's part in a fight: the aggressor (and its target place), the factions that gave way. */
export interface Conflict {
  /** The one faction that moves against a place or a foe; null when none, or two do. */
  aggressor: TypedHit | null;
  /** The place it moves against (the first place named after its verb), else null. */
  target: TypedHit | null;
  /** Factions that flee or are beaten in the sentence. */
  losers: readonly TypedHit[];
  /** Factions that defend or let go of a place in the sentence (and the losers): none of them took anything. */
  defenders: readonly TypedHit[];
}

const NO_LOSERS: readonly TypedHit[] = Object.freeze([]);
export const NO_CONFLICT: Conflict = Object.freeze({ aggressor: null, target: null, losers: NO_LOSERS, defenders: NO_LOSERS });

/** A clause mark (comma, semicolon, colon, dash) between tokens i-1 and i. */
function clauseBreak(text: string, tokens: Token[], i: number): boolean {
  const a = (tokens[i - 1] as Token).end;
  const b = (tokens[i] as Token).start;
  for (let p = a; p < b; p++) {
    const c = text.charCodeAt(p);
    if (c === 44 || c === 59 || c === 58 || c === 0x2014 || c === 0x2013) return true;
  }
  return false;
}

/** The verb after faction `f` in its clause, within VERB_REACH words: 'assault', 'give-way' or null. */
type Part = 'assault' | 'give-way' | 'defend';

/** What each word may do after a faction, in one look-up: a part, a stop (negation, modal), or a two-word lead. */
type WordRole = Part | 'stop' | 'pair' | 'siege' | 'broke';
const ROLES = new Map<string, WordRole>();
for (const w of ASSAULTING) ROLES.set(w, 'assault');
for (const w of DEFENDING) ROLES.set(w, 'defend');
for (const w of GIVING_WAY) ROLES.set(w, 'give-way');
for (const w of SIEGE_LEADS) ROLES.set(w, 'siege');
for (const w of GIVING_WAY_PAIRS.keys()) ROLES.set(w, 'pair');
ROLES.set('broke', 'broke');
for (const w of NEGATION_WORDS) ROLES.set(w, 'stop');
for (const w of NOT_YET) ROLES.set(w, 'stop');
const ROLE_FILTER = new KeyFilter(ROLES.keys());

/** Where verbAfter found its verb (set with each answer that is not null): no object per answer. */
let verbAtFound = -1;

function verbAfter(text: string, tokens: Token[], f: TypedHit, next: number): Part | null {
  const end = Math.min(tokens.length, f.endTok + VERB_REACH, next);
  for (let k = f.endTok; k < end; k++) {
    if (k > f.endTok && clauseBreak(text, tokens, k)) return null;
    const w = (tokens[k] as Token).lower;
    if (!ROLE_FILTER.mayHave(w)) continue;
    const role = ROLES.get(w);
    if (role === undefined) continue;
    if (role === 'stop') return null;
    verbAtFound = k;
    const after = tokens[k + 1]?.lower ?? '';
    if (role === 'pair') {
      // "fell back", "gave ground", "were driven off"; "broke" alone gives way, "broke through" assaults
      if (GIVING_WAY_PAIRS.get(w)?.has(after)) return 'give-way';
      if (w === 'broke') return after === 'through' ? 'assault' : 'give-way';
      continue;
    }
    if (role === 'broke') return after === 'through' ? 'assault' : 'give-way';
    if (role === 'siege') {
      if (after === 'siege') return 'assault';
      continue;
    }
    return role;
  }
  return null;
}

/**
 * The sentence's conflict: each faction (not the object of a verb before it, as in "attacked the
 * Iron Tithe") with an assault or giving-way verb after it in its clause. A question, a negated,
 * conditional or intended sentence moves nobody. `typed` must hold a faction (callers check).
 */
export function conflictOf(text: string, tokens: Token[], typed: readonly TypedHit[]): Conflict {
  let aggressor: TypedHit | null = null;
  let ambiguous = false;
  let verbAt = -1;
  let losers: TypedHit[] | null = null;
  let defenders: TypedHit[] | null = null;
  for (let j = 0; j < typed.length; j++) {
    const f = typed[j] as TypedHit;
    if (f.entityType !== 'faction') continue;
    // the verb must come before the next named entity ("the Tithe and the Guild marched": a list, both)
    let next = tokens.length;
    for (let i = j + 1; i < typed.length; i++)
      if ((typed[i] as TypedHit).entityType === 'faction') {
        next = (typed[i] as TypedHit).startTok;
        break;
      }
    const v = verbAfter(text, tokens, f, next);
    if (v === null) {
      // "The Iron Tithe and the Kite Guild marched": a faction listed with the next shares its verb
      if (next < tokens.length && tokens[f.endTok]?.lower === 'and' && next <= f.endTok + 2) {
        const v2 = verbAfter(text, tokens, typed.find((h) => h.startTok === next) as TypedHit, tokens.length);
        if (v2 === 'assault') ambiguous = true;
      }
      continue;
    }
    if (v !== 'assault') {
      (defenders ??= []).push(f);
      if (v === 'give-way') (losers ??= []).push(f);
    } else if (aggressor && aggressor.entityId !== f.entityId) ambiguous = true;
    else {
      aggressor = f;
      verbAt = verbAtFound;
    }
  }
  if (ambiguous) aggressor = null;
  let target: TypedHit | null = null;
  if (aggressor)
    for (const h of typed)
      if ((h.entityType === 'settlement' || h.entityType === 'region') && h.startTok > verbAt) {
        target = h;
        break;
      }
  if (!aggressor && !defenders) return NO_CONFLICT;
  // read last: most sentences with a faction have it do neither
  if (text.includes('?')) return NO_CONFLICT;
  for (const t of tokens) if (NEGATOR_FILTER.mayHave(t.lower) && CLAUSE_NEGATORS.has(t.lower)) return NO_CONFLICT;
  return { aggressor, target, losers: losers ?? NO_LOSERS, defenders: defenders ?? NO_LOSERS };
}

/**
 * A place's or nobody's own people: the subject a later "they" may mean instead of the faction
 * named in the same sentence ("Harrowgate's militia manned the walls as the Iron Tithe's outriders
 * came into view. They held the town all night.").
 */
const PEOPLE = new Set(
  (
    'militia militias townsfolk townspeople defenders garrison guards watchmen citizens villagers people folk ' +
    'locals fishermen merchants farmers peasants refugees survivors burghers elders priests monks sailors'
  ).split(' '),
);
/** A fresh token's string is hashed on its first Set look-up: the filter spares most words that. */
const PEOPLE_FILTER = new KeyFilter(PEOPLE);
const NEGATOR_FILTER = new KeyFilter(CLAUSE_NEGATORS);

/**
 * Does the sentence's subject, at its start (after an opening phrase and its comma, within six
 * words), name such people: "The townsfolk ...", "Harrowgate's militia ...", "Its defenders ..."?
 * The words before the noun may be "the", "its", "their", a possessive name, or one modifier.
 */
export function peopleSubject(text: string, tokens: Token[]): boolean {
  // most sentences name no such people: one look-up per word of the opening, nothing else
  const n = Math.min(tokens.length, 11);
  let noun = -1;
  for (let k = 0; k < n; k++)
    if (PEOPLE_FILTER.mayHave((tokens[k] as Token).lower) && PEOPLE.has((tokens[k] as Token).lower)) {
      noun = k;
      break;
    }
  if (noun < 0) return false;
  let from = 0;
  for (let k = 1; k < n && k <= 6; k++)
    if (clauseBreak(text, tokens, k)) {
      from = k;
      break;
    }
  if (noun < from || noun > from + 3) return false;
  let modifiers = 0;
  for (let k = from; k < noun; k++) {
    const t = tokens[k] as Token;
    if (t.cap || t.lower === 'the' || t.lower === 'its' || t.lower === 'their') continue;
    if (++modifiers > 1) return false;
  }
  // "The watchmen counted their banners and gave up": beaten people leave "theirs" to the other side
  return !givesWay(tokens);
}
