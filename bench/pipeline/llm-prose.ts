import { createPrng, pick } from '../../src/demo/prng.js';
import type { SyntheticSession } from '../../src/demo/generate-synthetic-session.js';
import { tokenize } from '../../src/domain/text/tokens.js';
import type { WorldEntity, WorldFile } from '../../src/domain/world/types.js';

/**
 * LLM-style narration over a world, for the pipeline benchmark: what a model-narrated game
 * sends, not what the rules were written against. GM turns run two to five sentences with
 * dialogue, subordinate clauses and lists; most of them name people, factions and places the
 * world file does not list (invented per session from syllables, so they vary with the seed
 * and are never in the lexicon), and the world's own names appear in varied forms
 * (canonical, alias, possessive, lower case, inside quotes). `unlistedShare` in the stats is
 * measured on the output, not assumed.
 */
export interface LlmProseOptions {
  seed: number;
  turns: number;
  sessionId: string;
  world: WorldFile;
  startAt: number;
}

const ONSETS = ['v', 'th', 'k', 'm', 'r', 's', 'br', 'd', 'l', 'c', 'gr', 'h', 'n', 't', 'y', 'z', 'dr', 'f', 'j', 'w'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ae', 'ei', 'ia', 'y', 'ou'];
const CODAS = ['', 'n', 'r', 'l', 's', 'th', 'rn', 'x', 'sk', 'nd', 'm', 'v'];
const PLACE_CUES = ['Reach', 'Hollow', 'Crossing', 'Marches', 'Fen', 'Spire', 'Ford', 'Downs', 'Landing', 'Tor', 'Deep'];
const FACTION_CUES = ['Wardens', 'Covenant', 'Brotherhood', 'League', 'Host', 'Syndicate', 'Circle', 'Riders', 'Watch'];
const ADJ = ['Pale', 'Ashen', 'Silent', 'Broken', 'Hollow', 'Gilded', 'Drowned', 'Seventh', 'Scarlet', 'Grey'];
const NOUNS = ['Star', 'Tide', 'Lantern', 'Oath', 'Thorn', 'Moon', 'Reed', 'Wolf', 'Bell', 'Ember'];
const TITLES = ['Captain', 'Magister', 'Sister', 'Lord', 'Warden', 'Old', 'Elder', 'Commander'];

function syllables(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += pick(rand, ONSETS) + pick(rand, VOWELS) + (i === n - 1 ? pick(rand, CODAS) : '');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The per-session cast of invented names, none of whose words the world uses. */
function inventCast(rand: () => number, world: WorldFile) {
  const worldWords = new Set<string>();
  for (const e of world.entities)
    for (const n of [e.canonicalName, ...e.aliases]) for (const t of tokenize(n)) worldWords.add(t.lower);
  const fresh = (make: () => string): string => {
    for (;;) {
      const name = make();
      const words = tokenize(name).map((t) => t.lower);
      if (words.some((w) => !worldWords.has(w) && w !== 'the' && w !== 'of')) return name;
    }
  };
  const people = Array.from({ length: 24 }, () =>
    fresh(() => (rand() < 0.7 ? `${syllables(rand, 2)} ${syllables(rand, 1 + Math.floor(rand() * 2))}` : syllables(rand, 2))),
  );
  const factions = Array.from({ length: 10 }, () =>
    fresh(() => {
      const r = rand();
      if (r < 0.35) return `the ${syllables(rand, 2)} ${pick(rand, FACTION_CUES)}`;
      if (r < 0.6) return `the Order of the ${pick(rand, ADJ)} ${pick(rand, NOUNS)}`;
      if (r < 0.8) return `the ${pick(rand, ADJ)}-Eyed ${pick(rand, FACTION_CUES)}`;
      return `the ${syllables(rand, 2)}s`;
    }),
  );
  const places = Array.from({ length: 16 }, () =>
    fresh(() => {
      const r = rand();
      if (r < 0.45) return `${syllables(rand, 2)} ${pick(rand, PLACE_CUES)}`;
      if (r < 0.65) return `the ${pick(rand, NOUNS)} of ${syllables(rand, 2)}`;
      return syllables(rand, 2 + Math.floor(rand() * 2));
    }),
  );
  return { people, factions, places };
}

/** Slots: {P} invented person, {T} titled invented person, {X} invented faction, {Y} invented place, {C} {F} {R} world names in varied forms, {L} a list. */
const NARRATION = [
  'The wind off {R} carries brine and old smoke as {P} steps out of the rain, her cloak heavy and dark.',
  'Somewhere below the ridge, the drums of {X} answer the bells of {Y}, slow and patient.',
  'You find {P} hunched over a map of {Y}, tracing the river with one ink-stained finger.',
  'By the time the lamps are lit, word has spread through {R} that {P} is back.',
  '{T} waits at the end of the jetty, watching the fog roll in from {Y}.',
  'The hall smells of tallow and wet wool; {P}, who keeps the ledgers for {X}, does not look up.',
  'Beyond {Y}, the old road bends toward {R}, and the carts move slowly in the mud.',
  'Banners of {X} and {F} hang side by side over the square, which nobody remembers happening before.',
  'Nobody in {R} will say the name of {Y} aloud after dark.',
  '{C} pours two cups of bitter tea and slides one across to {P} without a word.',
  'A child runs past with a wooden sword, shouting that {X} are coming over {Y}.',
  'The letter is sealed with the mark of {X}, a ring of thorns around a closed eye.',
  'Rain hammers the shutters of the inn at {Y} while {P} counts the coins twice.',
  'Across the valley, smoke rises from {Y} in a thin grey line.',
  'The envoy of {F} bows to {T}, though the bow is shallow and brief.',
  'Old songs about {Y} drift up from the lower deck, half-drowned by the creak of rope.',
  'There is a long silence before {P} speaks again.',
  'The candle gutters, and the shadows on the wall of the chapel seem to lean closer.',
  'Her voice is low, the way people talk about debts and funerals.',
  'Outside, the wagons of {L} crowd the road to {R}.',
  'The captains of {L} meet under a torn awning and argue about grain.',
  'You remember {Y} from the stories your mother told, though not like this.',
  'Frost has crept into the stones of {R}, and the well has frozen over.',
  'The ferryman, a wiry man called {P}, refuses to cross after dusk.',
  "{C}'s hands are shaking, but the smile stays fixed in place.",
  'At the edge of the firelight stands {T}, one hand resting on a sword hilt.',
];
const DIALOGUE = [
  '"You\'re late," {P} says, not looking up from the fire.',
  '"{Y} is no place for a stranger," mutters {P}. "Not this season."',
  '"Ask {T} about {Y}," the innkeeper says. "Then ask me again."',
  '"If {X} find you here, I never saw you," {P} whispers.',
  '"We buried three of ours at {Y} last winter," {C} says quietly.',
  '"Do you know what {X} want with {R}?" asks {P}.',
  '"Tell {T} the road is open," she says, and turns back to her work.',
  '{P} laughs. "{F}? They could not hold a tavern, let alone {R}."',
  '"Keep walking," {P} says. "Eyes down until {Y}."',
  '"The Emberwrights sent word," says {P}. "They want the wagons by morning."',
];
const EVENTS = [
  '{F} seized {R} from {F2} before dawn, and by noon the gates were shut.',
  'The Choir marched at dawn. By noon they held {R}.',
  '{R} was seized by {F} after a short and brutal night.',
  '{F} failed to take {R}; their dead lie in the ditches below the wall.',
  'Rumour has it that {X} captured {Y} while {F} looked the other way.',
  '{R}, which {F} had held for a generation, fell to {F2} in a single night.',
  'After the fires, {R} lies in ruins and {P} walks its streets counting the dead.',
  'Some say {T} opened the gates of {Y} to {X} for a purse of silver.',
  '{F} will march on {R} when the snows melt, or so the captains claim.',
];
const PLAYER = [
  'I ask {P} what happened at {Y}.',
  'I keep my hand near my knife and follow {P} inside.',
  'Can we reach {R} before {X} do?',
  'I show the letter to {C} and watch her face.',
  'I tell {T} that we came from {Y} and want no trouble.',
  "Let's not stay here. Head for {R}.",
  'I buy {P} a drink and ask about {X}.',
  'What do I know about {Y}?',
  'I nod and say nothing.',
  'I climb the tower and look toward {R}.',
];

export interface LlmProseStats {
  sentences: number;
  distinctSentences: number;
  /** Share of sentences containing at least one invented (unlisted) proper name. */
  unlistedShare: number;
  /** Invented names written in full at least once (the ground truth for new-name recall). */
  inventedNames: string[];
}

export function generateLlmProseSession(opts: LlmProseOptions): SyntheticSession & { stats: LlmProseStats } {
  const rand = createPrng(opts.seed ^ 0x5eed);
  const cast = inventCast(rand, opts.world);
  const byType = (t: string) => opts.world.entities.filter((e) => e.entityType === t);
  const factions = byType('faction');
  const places = [...byType('region'), ...byType('settlement')];
  const characters = byType('character');
  let usedUnlisted = false;
  const worldName = (e: WorldEntity | undefined): string => {
    if (!e) return 'the militia';
    const r = rand();
    const base = e.aliases.length > 0 && r < 0.35 ? pick(rand, e.aliases) : e.canonicalName;
    if (r > 0.93) return base.toLowerCase(); // "the kite guild": lower-case forms happen
    return base;
  };
  const used = new Set<string>();
  const use = (n: string) => {
    used.add(n);
    return n;
  };
  const person = () => {
    usedUnlisted = true;
    return pick(rand, cast.people);
  };
  const fill = (tpl: string, initial: boolean): string => {
    const out = tpl.replace(/\{(F2|P|T|X|Y|C|F|R|L)\}/g, (_, slot: string) => {
      switch (slot) {
        case 'P':
          return use(person());
        case 'T':
          return `${pick(rand, TITLES)} ${person().split(' ')[0]}`;
        case 'X':
          usedUnlisted = true;
          return use(pick(rand, cast.factions));
        case 'Y':
          usedUnlisted = true;
          return use(pick(rand, cast.places));
        case 'L': {
          usedUnlisted = true;
          const a = use(pick(rand, cast.factions));
          return `${a}, ${worldName(pick(rand, factions))} and ${use(pick(rand, cast.factions))}`;
        }
        case 'C':
          return worldName(pick(rand, characters));
        case 'F':
        case 'F2':
          return worldName(pick(rand, factions));
        default:
          return worldName(pick(rand, places));
      }
    });
    if (!initial) return out;
    const at = out.startsWith('"') ? 1 : 0; // '"the Ember of Myzael is ...' opens a sentence too
    return out.slice(0, at) + out.charAt(at).toUpperCase() + out.slice(at + 1);
  };
  const sentences: string[] = [];
  let unlisted = 0;
  const sentence = (list: readonly string[]): string => {
    usedUnlisted = false;
    const s = fill(pick(rand, list), true);
    if (usedUnlisted) unlisted++;
    sentences.push(s);
    return s;
  };
  const turns: SyntheticSession['turns'] = [];
  let scene = 1;
  let act = 1;
  let sceneLeft = 12 + Math.floor(rand() * 20);
  for (let i = 0; i < opts.turns; i++) {
    if (sceneLeft-- <= 0) {
      scene += 1;
      sceneLeft = 12 + Math.floor(rand() * 20);
      if (scene % 4 === 1) act += 1;
    }
    const isPlayer = i % 2 === 1;
    const parts: string[] = [];
    if (isPlayer) {
      parts.push(sentence(PLAYER));
      if (rand() < 0.3) parts.push(sentence(PLAYER));
    } else {
      const n = 2 + Math.floor(rand() * 4);
      for (let k = 0; k < n; k++) {
        const r = rand();
        parts.push(sentence(r < 0.6 ? NARRATION : r < 0.85 ? DIALOGUE : EVENTS));
      }
    }
    const metadata: Record<string, unknown> = { actId: `act-${act}` };
    if (!isPlayer) metadata.tension = pick(rand, ['calm', 'steady', 'rising', 'crisis']);
    turns.push({
      turnId: `${opts.sessionId}-t${i}`,
      speaker: isPlayer ? 'player' : 'gm',
      text: parts.join(' '),
      sceneId: `scene-${scene}`,
      metadata,
      timestamp: opts.startAt + i * 45_000,
    });
  }
  return {
    sessionId: opts.sessionId,
    context: {
      character: { id: 'pc.kestrel', name: 'Kestrel Vane' },
      location: { id: places[0]?.entityId ?? 'region.unknown', name: places[0]?.canonicalName ?? 'Unknown' },
      momentum: { current: 2, floor: -6, ceiling: 10, baseline: 2, history: [] },
      tags: ['bench', 'llm-prose'],
      actTitles: {},
      sceneTitles: {},
    },
    turns,
    changeFeed: [],
    stats: {
      sentences: sentences.length,
      distinctSentences: new Set(sentences).size,
      unlistedShare: sentences.length === 0 ? 0 : unlisted / sentences.length,
      inventedNames: [...used].sort(),
    },
  };
}
