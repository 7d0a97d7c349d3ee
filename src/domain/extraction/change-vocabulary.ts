/**
 * The vocabulary of change detection (detect-changes.ts): the verbs, cues and function words its
 * rules read, grouped by what they describe. All lower-case, matched on tokens. A word added here
 * changes what detectChanges reports: run the corpus and the equivalence digests.
 */
import type { RegionStatus } from '../world/types.js';
import { phrases } from './phrase-index.js';

/** What a verb of control does to its place's owner: the actor gains it, loses it, or the place fell (to someone). */
export type VerbKind = 'gain' | 'loss' | 'fell';

// Verbs of taking and losing a place. The control scan's phrase tables and the word sets that guard their readings.

/** Losses whose agent ("by <faction>") is the gainer: "was driven out of Brackwater by the Tithe". */
export const EXPULSIONS = new Set([
  'driven out of',
  'driven from',
  'expelled from',
  'ousted from',
  'evicted from',
  'chased out of',
  'chased from',
  'thrown out of',
  'forced out of',
  'ejected from',
]);
/** Verbs that hand a place over: a change only with a receiver ("to <faction>"). */
export const TRANSFER_VERBS = new Set(['gave', 'gives', 'given', 'granted', 'grants', 'awarded', 'awards']);
/** "Their banners flew over Brackwater": a gain only after a banner word, at a time (bannerRaised). */
export const BANNER_VERBS = new Set([
  ...['fly', 'flies', 'flew', 'flying', 'flown'].map((v) => `${v} over`),
  ...['raised', 'hoisted', 'went up', 'goes up', 'gone up'].map((v) => `${v} over`),
]);
/** Verbs of entering a place: a taking only when unopposed (unopposedAfter). */
export const ENTRY_VERBS = new Set([
  'entered',
  'enters',
  'marched into',
  'marches into',
  'rode into',
  'rides into',
  'walked into',
  'walks into',
  'sailed into',
  'sails into',
]);
// Only finite verb forms: a bare "seize" is nearly always future or intent ("will seize").
/** A place's allegiance as its verb ("Lowmarket now answers to the Court"): a state, a change only at a time. */
export const ANSWER_VERBS = [
  'answers to',
  'answer to',
  'answered to',
  'bows to',
  'bow to',
  'bowed to',
  'kneels to',
  'knelt to',
  // "Lowmarket now pays tribute to the Court"
  'pays tribute to',
  'pay tribute to',
  'paid tribute to',
  'pays homage to',
  'pay homage to',
  'paid homage to',
];
/** A place's allegiance given as an event ("Harrowgate swore fealty to the Tithe", "declared for the Court"): a change without a time. */
export const ALLEGIANCE_EVENTS = [
  'swore fealty to',
  'swears fealty to',
  'sworn fealty to',
  'swore allegiance to',
  'swears allegiance to',
  'sworn allegiance to',
  'pledged itself to',
  'pledges itself to',
  'declared for',
  'declares for',
];
export const CONTROL_VERBS = phrases<VerbKind>([
  ...[
    'seized',
    'seizes',
    'secured',
    'secures',
    'claimed',
    'claims',
    'captured',
    'captures',
    'liberated',
    'liberates',
    'conquered',
    'conquers',
    'occupied',
    'occupies',
    'retook',
    'retakes',
    'reclaimed',
    'reclaims',
    'recaptured',
    'recaptures',
    'annexed',
    'annexes',
    'retaken',
    'took',
    // present-tense narration, common in GM turns ("By noon it takes Lowmarket")
    'takes',
    'taken',
    'overran',
    'overrun',
    'overruns',
    // "drove the Corsairs out of Brackwater": a gain only with "out of" before the target (see below)
    'drove',
    'drives',
    // "had driven the Corsairs out of Brackwater": only after had/has/have (PERFECT_AUX)
    'driven',
    'held',
    'holds',
    // "now rules Lowmarket", "by dusk they controlled the city": only with a time (see holding)
    'rules',
    'ruled',
    'controls',
    'controlled',
    'governs',
    'governed',
    'owns',
    'owned',
    // "The Masks have Lowmarket now": only with a place right after and "now" (haveNow)
    'has',
    'have',
    'won back',
    'wins back',
    'took control of',
    'takes control of',
    'taken control of',
    'seized control of',
    'won control of',
    'gained control of',
    // More verbs of taking, read by every construction above (passive, relative, list, pronoun...).
    'stormed',
    'storms',
    'wrested',
    'wrests',
    'took over',
    'takes over',
    'taken over',
    'took possession of',
    'takes possession of',
    'taken possession of',
    'subdued',
    'subdues',
    'subjugated',
    'subjugates',
    // "Lowmarket was overwhelmed by the Tithe", "overwhelmed Harrowgate": only its direct object
    'overwhelmed',
    'overwhelms',
    'won',
    'wins',
    // "marched into Lowmarket unopposed", "entered Saint Orrin without a fight": an entry is a
    // taking only when nobody resisted it (unopposedAfter)
    ...ENTRY_VERBS,
    // "made the port their own": only with a possessive complement (ownComplement)
    'made',
    'makes',
    // "ousted the Court from Lowmarket": like "drove ... out of" (DRIVE_VERBS)
    'ousted',
    'expelled',
    'evicted',
    'chased',
    'ejected',
  ].map((v): [string, VerbKind] => [v, 'gain']),
  ...[
    'lost',
    'loses',
    'ceded',
    'cedes',
    'abandoned',
    'abandons',
    'retreated from',
    'retreats from',
    'withdrew from',
    'withdraws from',
    'pulled out of',
    'lost control of',
    'fled from',
    'evacuated',
    'surrendered',
    'surrenders',
    'no longer holds',
    'no longer hold',
    'no longer controls',
    'no longer control',
    'no longer rules',
    'handed over',
    'hands over',
    // not "hands": "in the hands of the Tithe" is a possession head (OWNED_HEADS)
    'handed',
    'gave up',
    'gives up',
    'given up',
    // "The Court gave Lowmarket to the Tithe", "Lowmarket was granted to the Tithe": transfers
    // (TRANSFER_VERBS: only with a receiver after "to")
    ...TRANSFER_VERBS,
    // "driven out of Brackwater", "was expelled from Lowmarket by the Tithe": the subject loses, the
    // agent gains
    ...EXPULSIONS,
  ].map((v): [string, VerbKind] => [v, 'loss']),
  ['fell to', 'fell'],
  ['fallen to', 'fell'],
  ['fell into the hands of', 'fell'],
  ['passed into the hands of', 'fell'],
  ['passes into the hands of', 'fell'],
  ['fallen into the hands of', 'fell'],
  ['went over to', 'fell'],
  ['goes over to', 'fell'],
  ['gone over to', 'fell'],
  ['falls into the hands of', 'fell'],
  ['passed to', 'fell'],
  ['passes to', 'fell'],
  ['falls to', 'fell'],
  // A place that yields: "Brackwater surrendered to them", "Harrowgate opened its gates to the Choir".
  // "the three valleys now answer to the Veiled Court": a state like "rules", a change only with
  // "now" or a time (checked where the verb is read)
  ...ANSWER_VERBS.map((v): [string, VerbKind] => [v, 'fell']),
  ...ALLEGIANCE_EVENTS.map((v): [string, VerbKind] => [v, 'fell']),
  ...['surrendered to', 'surrenders to', 'yielded to', 'yields to', 'submitted to', 'capitulated to'].map(
    (v): [string, VerbKind] => [v, 'fell'],
  ),
  ...[
    'opened its gates to',
    'opens its gates to',
    'opened their gates to',
    'open their gates to',
    'opened the gates to',
    'opens the gates to',
    'opened the gate to',
  ].map((v): [string, VerbKind] => [v, 'fell']),
  // "the gates of Harrowgate were opened to the Court": only with "gates" just before (gatesBefore)
  ['opened to', 'fell'],
  // "Their banners flew over Brackwater by dawn": only after a banner word, at a time (bannerRaised)
  ...[...BANNER_VERBS].map((v): [string, VerbKind] => [v, 'gain']),
]);
/**
 * Present-tense plural forms ("the Corsairs seize Brackwater"), the same words as bare
 * infinitives and imperatives: a change only right after their actor (a faction or they/we),
 * and not after let/make/will/when... before it (baseFinite).
 */
export const BASE_VERBS = phrases<VerbKind>([
  ...[
    'seize',
    'capture',
    'take',
    'occupy',
    'retake',
    'reclaim',
    'recapture',
    'conquer',
    'liberate',
    'annex',
    // present-tense narration of the verbs added with their past forms: "they storm the river gate"
    'storm',
    'wrest',
    'subdue',
    'drive',
    'oust',
    'expel',
  ].map((v): [string, VerbKind] => [v, 'gain']),
  ...['lose', 'cede', 'abandon', 'surrender'].map((v): [string, VerbKind] => [v, 'loss']),
  // "by dawn they hold Prismwell": only after "by <time>" (byTimeBefore), else a state
  ['hold', 'gain'],
]);
export const NOT_FINITE_BEFORE = new Set(
  'let lets make made help helped watch watched see saw when once until before after unless if lest can could will would may might must shall should to'.split(
    ' ',
  ),
);
/** Verbs whose object is driven out: "drove/ousted/expelled the Court out of (from) Lowmarket": the actor gains, the object loses. */
export const DRIVE_VERBS = new Set([
  'drove',
  'drives',
  'driven',
  'drive',
  'ousted',
  'oust',
  'expelled',
  'expel',
  'evicted',
  'chased',
  'ejected',
]);
/** "drove the Court out of / from / off Lowmarket". */
export const DRIVE_PARTICLES = new Set(['out', 'from', 'off']);
/** Particle verbs read like one-word verbs in the passive ("was won back by", "was taken over by"). */
export const PARTICLE_VERBS = new Set(['won back', 'wins back', 'taken over', 'handed over']);
/**
 * Verbs that name a place only as their direct object, right after them ("won Lowmarket", "gave up
 * Brackwater", "stormed the Sunder Gap"): "won the battle at Lowmarket", "gave up hope at Brackwater",
 * "handed the letter to the Tithe at Lowmarket", "stormed out of Harrowgate" propose nothing.
 */
export const DIRECT_OBJECT_ONLY = new Set([
  'overwhelmed',
  'overwhelms',
  ...ENTRY_VERBS,
  ...TRANSFER_VERBS,
  'storm',
  'subdue',
  'made',
  'makes',
  'won',
  'wins',
  'stormed',
  'storms',
  'handed',
  'gave up',
  'gives up',
  'given up',
  'subdued',
  'subdues',
]);
/** What makes an entry a taking: nobody resisted it. */
export const UNOPPOSED = [
  ['unopposed'],
  ['unchallenged'],
  ['unresisted'],
  ['without', 'a', 'fight'],
  ['without', 'a', 'blow'],
  ['without', 'resistance'],
  ['without', 'a', 'struggle'],
  ['without', 'a', 'shot'],
  ['without', 'loosing', 'an', 'arrow'],
];
/** Adverbs between "fell" and "to" ("fell instead to the Kite Guild", "fell swiftly to"). */
export const FELL_ADVERBS = new Set(['instead', 'soon', 'then', 'again', 'finally', 'quickly', 'swiftly', 'easily', 'last']);
export const FELL_WORDS = new Set(['fell', 'falls', 'fallen', 'passed', 'passes']);
/** An assault that takes the place it names ("having stormed the gate", "had breached the walls"). */
export const ASSAULT_VERBS = new Set('stormed breached forced carried entered won broken scaled sacked'.split(' '));
/** Verbs that put a place under an owner: "was placed under the Tithe's control", "came under their flag", "fell into their hands". */
export const PLACING_VERBS = new Set([
  'placed',
  'brought',
  'put',
  'delivered',
  'came',
  'comes',
  'fell',
  'falls',
  'fallen',
  'passed',
  'passes',
]);
export const BECOME_FORMS = new Set(['became', 'becomes', 'become']);

// Possession and state. Words that say a faction holds a place rather than takes it, and what makes such a state a change.

/** Like "hold": a change only after "by <time>" or "now" ("the Court now rules Lowmarket"); else a state. */
export const STATE_VERBS = new Set(['rules', 'ruled', 'controls', 'controlled', 'governs', 'governed', 'owns', 'owned']);
/** What may follow "their/its" after "made <place>": "made Lowmarket their own", "made the town its seat". */
export const OWN_WORDS = new Set(['own', 'capital', 'seat', 'stronghold', 'base', 'fortress']);
/** The word a possession predicate is found at (ownedChange): "theirs", "in their hands", "under their control". */
export const OWNED_HEADS = new Set([
  'theirs',
  'ours',
  'hands',
  // "came into the possession of the Tithe", "in the Court's possession": like "hands"
  'possession',
  'control',
  'flag',
  'banner',
  'banners',
  'belongs',
  'belonged',
  // "by dusk the heights belong to them": a plural place noun
  'belong',
  // "the town answers to the masked envoys now", "the vale now answered to the Court"
  'answers',
  'answered',
  'answer',
  'masters',
  'lords',
  'rulers',
  // "Lowmarket is Tithe territory now": a faction's name as the attribute of a land word
  'territory',
  'land',
  'lands',
]);
/** Possession heads with their owner after "to": "belongs to the Tithe", "answers to the Court now" (a change only with a time or "now"). */
export const BELONG_WORDS = new Set(['belongs', 'belonged', 'belong', 'answers', 'answered', 'answer']);
/** "masters of Brackwater", "the new lords of Lowmarket": a faction that owns the place after "of". */
export const MASTER_WORDS = new Set(['masters', 'lords', 'rulers']);
/** Words for a faction's colours: "their banners flew over", "the Tithe's flag was raised over". */
export const BANNER_WORDS = new Set([
  'banner',
  'banners',
  'flag',
  'flags',
  'colours',
  'colors',
  'standard',
  'standards',
  'pennants',
]);
/** "By law Lowmarket belongs to the Court": a "by" that names no time. */
export const NOT_TIMES = new Set([
  'law',
  'right',
  'rights',
  'all',
  'custom',
  'tradition',
  'treaty',
  'decree',
  'charter',
  'birth',
  'any',
]);
/** "held" is a state, not a change, after these ("had held it for years", "still held"). */
export const STATE_BEFORE_HELD = new Set(['had', 'has', 'have', 'still', 'long', 'once', 'always', 'never']);
/** "held Lowmarket for a century / for years / for three generations": a span, so a state. */
export const SPANS = new Set(
  'a an many so long years decades generations centuries months weeks days ages two three four five ten twenty'.split(' '),
);
/** "held them off", "held them back", "held them at bay": resisting, not taking. */
export const HOLD_OFF = new Set(['off', 'back', 'at']);

// Status cues. Words that give a place a status (threatened, ruined, ...) and the ruin phrases after an object.

/**
 * Status cues that name their place only right next to them: "destroyed Lowmarket", "Lowmarket was
 * destroyed", "laid siege to the Sunder Gap"; not "destroyed the bridge below Lowmarket".
 */
const ADJACENT_THREATS = [
  'laid siege to',
  'lays siege to',
  'lay siege to',
  'surrounded',
  'surround',
  'surrounds',
  'encircled',
  'encircle',
  'encircles',
  'ringed',
  'threaten',
  'threatens',
  'blockaded',
  'blockades',
  'blockade',
  'besieging',
  'cut off',
];
/** What a siege told as a noun does when it is under way: "the siege of Brackwater began", "enters its third week". */
export const SIEGE_PROGRESS = new Set([
  'began',
  'begins',
  'begun',
  'started',
  'starts',
  'enters',
  'entered',
  'tightens',
  'tightened',
  'continues',
  'continued',
  'drags',
  'dragged',
  'grinds',
  'ground',
]);
/**
 * Words after "surrounded/ringed/encircled by|with" that make the siege a military one; other
 * words there are scenery ("Brackwater is ringed by cliffs", "surrounded by marshes").
 */
export const SIEGE_FORCES = new Set([
  'troops',
  'soldiers',
  'pickets',
  'camps',
  'siege',
  'army',
  'armies',
  'host',
  'lines',
  'men',
  'riders',
  'knights',
  'ships',
  'fleet',
  'warbands',
  'forces',
  'raiders',
  'bravos',
  'enemies',
  'spears',
  'lances',
  'fires',
  'campfires',
  'earthworks',
  'trenches',
]);
const ADJACENT_DEVASTATION = [
  'destroyed',
  'levelled',
  'leveled',
  'burned',
  'burnt',
  'torched',
  'put to the torch',
  'set ablaze',
  'set alight',
];
/**
 * "a field of black stumps", "a sea of rubble", "a plain of cinders": a ruin told as a landscape
 * (read by ruinField in detect-changes.ts, keyed on the second word: "a" is too common to key a
 * phrase list on).
 */
export const RUIN_FIELD_HEADS = new Set(['field', 'sea', 'plain', 'waste']);
export const RUIN_FIELD_MODIFIERS = new Set(['black', 'charred', 'blackened', 'smoking', 'burned', 'burnt']);
export const RUIN_FIELD_NOUNS = new Set(['ash', 'ashes', 'cinders', 'rubble', 'stumps', 'graves', 'bones', 'ruins']);
export const ADJACENT_STATUS = new Set([...ADJACENT_THREATS, ...ADJACENT_DEVASTATION]);
export const STATUS_CUES = phrases<RegionStatus>([
  ...[
    'under threat',
    'under siege',
    'besieged',
    'besieges',
    'threatened',
    'imperilled',
    'imperiled',
    'in danger',
    'endangered',
  ].map((v): [string, RegionStatus] => [v, 'threatened']),
  // "laid siege to", "destroyed", "levelled": only next to their place (ADJACENT_STATUS)
  ...[...ADJACENT_THREATS, 'under attack', 'under assault'].map((v): [string, RegionStatus] => [v, 'threatened']),
  ...ADJACENT_DEVASTATION.map((v): [string, RegionStatus] => [v, 'devastated']),
  ...[
    'reduced to ashes',
    'reduced to ash',
    'reduced to rubble',
    'reduced to ruins',
    'burned to ashes',
    'in smoking ruins',
    'nothing remains of',
    'little remains of',
    'nothing is left of',
    'little is left of',
    'in ashes',
    'a smoking ruin',
    'a burned-out shell',
    // "the Corrin Coast is a ruin from end to end", "nothing but ash remains of Cinderhold"
    'a ruin',
    'a blackened ruin',
    'a wasteland',
    'a graveyard',
    'nothing but ash',
    'nothing but ashes',
    'nothing but rubble',
    'nothing but ash remains of',
    'nothing but ashes remain of',
    'gutted',
    'little left to save',
    'nothing left to save',
  ].map((v): [string, RegionStatus] => [v, 'devastated']),
  ...['peace has returned to', 'peace returned to', 'quiet again', 'at peace again'].map((v): [string, RegionStatus] => [
    v,
    'stable',
  ]),
  ...['devastated', 'ruined', 'ravaged', 'razed', 'sacked', 'in ruins', 'laid waste', 'burned to the ground'].map(
    (v): [string, RegionStatus] => [v, 'devastated'],
  ),
  ...['stabilised', 'stabilized', 'secured', 'restored', 'at peace', 'safe again', 'stable again', 'rebuilt'].map(
    (v): [string, RegionStatus] => [v, 'stable'],
  ),
]);
/** Adverbs right before a cue that put it in the story's past ("once burned", "formerly ravaged"). */
export const HISTORY_BEFORE = new Set(['once', 'formerly']);
/** Verbs whose result phrase after the object says the place was destroyed ("burned X to the ground"). */
export const RESULT_VERBS = new Set([
  // "put Harrowgate to the torch", "set Brackwater ablaze"
  'put',
  'puts',
  'set',
  'sets',
  'burned',
  'burnt',
  'burns',
  'reduced',
  'reduces',
  'razed',
  'razes',
  'levelled',
  'leveled',
  'smashed',
  'beaten',
  'battered',
]);
/** The result phrases (after the object): ruin. */
export const RESULT_PHRASES = [
  ['to', 'the', 'ground'],
  ['to', 'ashes'],
  ['to', 'ash'],
  ['to', 'rubble'],
  ['to', 'ruin'],
  ['to', 'ruins'],
  ['to', 'cinders'],
  ['to', 'the', 'torch'],
  ['to', 'the', 'sword'],
  ['ablaze'],
  ['aflame'],
  ['alight'],
  ['on', 'fire'],
];
/** Words after an intransitive "burned" with its place right before ("Harrowgate burned through the night", "Lowmarket burned."). */
export const BURNED_INTRANSITIVE_AFTER = new Set([
  'through',
  'for',
  'until',
  'till',
  'all',
  'like',
  'before',
  'at',
  'that',
  'again',
]);
/** Words right before a status cue (past its copula) that say it goes on, not that it began. */
export const CONTINUING = new Set(['still', 'remains', 'remain', 'remained', 'stays', 'stay', 'stayed', 'always']);

// Subjects and verb groups. Pronouns, auxiliaries and adverbs read between an actor and its verb.

export const BE_FORMS = new Set(['was', 'is', 'were', 'are']);
export const DO_FORMS = new Set(['did', 'does', 'do']);
/** Auxiliaries of the active perfect ("had driven"), as against the passive's "had been driven". */
export const PERFECT_AUX = new Set(['had', 'has', 'have']);
export const PASSIVE_AUX = new Set(['was', 'were', 'been', 'is', 'are', 'be']);
/** Adverbs that may stand between a passive auxiliary and its verb ("had already been retaken by"). */
export const PASSIVE_ADVERBS = new Set(['already', 'just', 'also', 'soon', 'again', 'once', 'since', 'all', 'then']);
/** An adverb between a subject and its present-tense verb ("they now hold Lowmarket"). */
export const BASE_ADVERBS = new Set(['now', 'finally', 'swiftly', 'quickly']);
/** Adverbs between a parenthetical's closing comma and its verb ("..., nonetheless retook Prismwell"). */
export const VERB_ADVERBS = new Set(
  'nonetheless nevertheless still then soon finally eventually instead anyway swiftly quickly promptly duly'.split(' '),
);
export const DETERMINERS = new Set(['the', 'those', 'these']);
export const DEMONSTRATIVES = new Set(['those', 'these']);
/** Subjects that point back to the last-named faction ("By noon they held the Fen"). */
export const PRONOUNS = new Set(
  ['they', 'it', 'we', 'its', 'their', "they've", "they'd", "we've", "we'd", "it's"].flatMap((w) =>
    w.includes("'") ? [w, w.replace("'", '\u2019')] : [w],
  ),
);
/** Possessive subjects may stand one word further back ("Its grey columns had taken"). */
export const POSSESSIVES = new Set(['its', 'their']);
export const FIRST_PERSON = new Set(['we', "we've", 'we’ve', "we'd", 'we’d', 'our']);
export const RELATIVE_SUBJECTS = new Set(['who', 'which', 'that']);
/** Pronoun subjects of an object relative ("which it had captured", "that they took"). */
export const RELATIVE_PRONOUN_SUBJECTS = new Set(['it', 'they']);
export const PERCEPTION_VERBS = new Set(['watch', 'watched', 'watches', 'see', 'saw', 'sees']);
/** Verbs of saying in a quotation's attribution ('said the Tithe captain', 'the Tithe captain declared'). */
export const SPEECH_VERBS = new Set(
  (
    'said says cried cries shouted shouts called calls declared declares announced announces boasted boasts crowed ' +
    'crows growled growls laughed laughs told tells answered answers replied replies roared roars muttered mutters ' +
    'insisted insists swore swears added adds admitted admits snapped snaps explained explains grinned grins'
  ).split(' '),
);
/** Words that open a clause of another subject between a pronoun and a later verb ("they saw that the raiders took ..."). */
export const OTHER_CLAUSE = new Set([
  'that',
  'which',
  'who',
  'whom',
  'as',
  'while',
  'when',
  'because',
  'if',
  'until',
  'unless',
  'where',
]);
/** Words of a time phrase or verb group between "and" and a coordinated verb ("and by noon had taken"). */
export const COORDINATED_GAP_WORDS = new Set(
  (
    'had has have was were is are been by at before within after on in the that next first same an a ' +
    'dawn dusk noon nightfall midnight morning evening night sunset sunrise daybreak daylight light hour day week ' +
    'month end time now soon then already finally'
  ).split(' '),
);
/** Words that open an aside naming who is not the subject ("..., not the Thalric Order, took"). */
export const CONTRAST_OPENERS = new Set(['not', 'nor', 'never', 'rather', 'instead']);
/** Forms of "get" that make a passive with a participle right after ("got taken", "gets overrun"). */
export const GET_PASSIVE = new Set(['got', 'gets', 'get', 'gotten', 'getting']);
/** Auxiliaries of an elliptical clause that repeats the one before ("as did Harrowgate", "so had the Gap"). */
export const ECHO_AUX = new Set(['did', 'had', 'has', 'have', 'was', 'were', 'is', 'are', 'does', 'do']);

// Clause frames. Words that put a clause outside the story's events: conditions, plans, visions, futures, denied reports.

export const CLAUSE_BREAK = new Set(['and', 'but', 'then', 'so', 'yet', 'while', 'after', 'before', 'because']);
/** Sentence openers that make what follows hypothetical ("Unless the Guild relieves it, Lowmarket falls ..."). */
export const CONDITIONAL_OPENERS = new Set(['if', 'unless', 'suppose', 'supposing', 'imagine', 'picture', 'tomorrow']);
/** Words before a colon that make what follows a plan or an imagined scene ("The plan is simple: ..."). */
export const FRAME_LEADS = new Set([
  'plan',
  'plans',
  'idea',
  'scheme',
  'orders',
  'intention',
  'goal',
  'aim',
  'imagine',
  'picture',
  'suppose',
  // game talk: "Option one: the Order takes Lowmarket. Option two: ...", "Your mission: take the Fens"
  'option',
  'options',
  'choice',
  'choices',
  'alternative',
  'objective',
  'mission',
  'task',
  'quest',
]);
/** Outcomes of a roll that open a conditional sentence ("On a success, the Order takes Lowmarket"). */
export const ROLL_OUTCOMES = new Set([
  'success',
  'failure',
  'fail',
  'hit',
  'miss',
  'roll',
  'result',
  'crit',
  'critical',
  'natural',
  'tie',
]);
/** "In the vision, ...": what a vision or dream shows is not an event. */
export const VISION_WORDS = new Set(['vision', 'visions', 'dream', 'dreams', 'nightmare', 'nightmares', 'reverie']);
/** Adverbs that may stand between a parenthetical's closing comma and its verb ("No one, not even the Choir, ever took ..."). */
export const ADVERBS_AFTER_ASIDE = new Set(['ever', 'really', 'truly', 'actually', 'successfully', 'yet', 'once']);
/** Verbs of dreaming and foreseeing: what their clause shows has not happened ("you dream of Saint Orrin in ruins"). */
export const DREAM_VERBS = new Set(
  'dream dreams dreamed dreamt dreaming foresee foresees foresaw foreseeing envision envisions envisioned envisage envisages envisaged'.split(
    ' ',
  ),
);
/** Units of time that, before "ago", put an event in the world's history rather than the session ("a generation ago"). */
export const HISTORY_UNITS = new Set(
  'year years winter winters summer summers decade decades generation generations century centuries age ages lifetime lifetimes long'.split(
    ' ',
  ),
);
/** Subordinators of time whose clause is only expected when the main clause is future ("Once the Order has taken Harrowgate, it will turn south"). */
export const TIME_SUBORDINATORS = new Set(['once', 'when', 'after', 'until', 'till', 'whenever']);
export const FUTURE_WORDS = new Set(['will', 'shall', "won't", 'won’t']);
/** Nouns of report that a denial can take as its subject ("Rumours that ... are false"). */
export const REPORT_NOUNS = new Set([
  'rumour',
  'rumours',
  'rumor',
  'rumors',
  'reports',
  'report',
  'claims',
  'claim',
  'tales',
  'stories',
  'story',
  'talk',
  'word',
  'whispers',
]);
export const DENIALS = new Set(['false', 'untrue', 'lies', 'wrong', 'baseless', 'unfounded', 'nonsense', 'mistaken']);
/** Words that may open an order before its verb ("Now burn Lowmarket", "Go and take the Gap"). */
export const IMPERATIVE_LEADS = new Set(['now', 'then', 'go', 'quickly', 'just', 'and']);

// Moments. Words that date a change to a moment of the story.

/** Times of day after "before" ("was theirs before sundown"): "before the war" is no moment. */
export const MOMENT_NOUNS = new Set(
  'dawn dusk sundown sunset sunrise nightfall noon midnight morning evening daybreak midday'.split(' '),
);
/** Words after which a moment noun dates a possession ("within the hour", "that night", "before the noon bell"). */
export const MOMENT_PREPOSITIONS = new Set(['before', 'within', 'at', 'that', 'by']);
export const MOMENT_AFTER = new Set([...MOMENT_NOUNS, 'hour', 'night', 'afternoon']);
/** Spans of time after "that" ("that week", "that spring") besides MOMENT_AFTER: "that very night" is no relative clause. */
export const THAT_TIMES = new Set(['day', 'week', 'month', 'season', 'year', 'spring', 'summer', 'autumn', 'winter', 'tide']);
/**
 * What "since" dates a possession from, so that it tells when the place changed hands ("has been
 * in the Choir's hands since midwinter", "since the thaw", "since last week"); "since the founding
 * of the city" or "for a century" say how long things have stood.
 */
export const SINCE_MOMENTS = new Set([
  ...MOMENT_AFTER,
  ...'spring summer autumn winter midwinter midsummer thaw harvest yesterday last siege battle'.split(' '),
]);
/** Sentence openers that put what follows at a moment of the story ("Two days later, ...", "At last ..."). */
export const MOMENT_OPENERS = new Set(['then', 'soon', 'later', 'finally', 'overnight', 'suddenly', 'afterwards', 'afterward']);
/** Subordinators that open a time clause before the main clause ("When the walls cracked, ..."). */
export const EVENT_SUBORDINATORS = new Set(['when', 'once', 'after', 'as']);
export const LATER_UNITS = new Set([
  'days',
  'day',
  'weeks',
  'week',
  'hours',
  'hour',
  'months',
  'month',
  'nights',
  'night',
  'moments',
]);

// List glue. What may stand between the items of a list of places or factions, and what ends one.

export const LIST_GLUE = new Set([
  'and',
  'the',
  'or',
  'then',
  'plus',
  'finally',
  'lastly',
  // "Lowmarket, and soon after Harrowgate, fell", "Lowmarket and later Harrowgate": times between items
  'soon',
  'after',
  'later',
  'afterwards',
  'shortly',
]);
/** Glue of several words between list items, by first word: "as well as", "but also", "along with". */
export const LIST_PHRASES = new Map<string, string[]>([
  ['as', ['well', 'as']],
  ['but', ['also']],
  ['along', ['with']],
  ['together', ['with']],
  ['at', ['last']],
  // "Brackwater, Lowmarket, and the whole of the Corrin Coast"
  ['whole', ['of']],
  ['most', ['of']],
  ['all', ['of']],
]);
/** Prepositions that open a short adjunct after a list item ("in the spring", "by dusk", "within the week"). */
export const ADJUNCT_PREPOSITIONS = new Set([
  'in',
  'at',
  'on',
  'by',
  'before',
  'after',
  'within',
  'during',
  'that',
  'the',
  'last',
]);
/** Words that gather a list just closed by a colon or dash: "Lowmarket, Harrowgate, Prismwell: all fell". */
export const GATHERING = new Set(['all', 'each', 'both', 'every']);
/** Words that open a counted noun phrase ("three kites", "a dozen barges", "hundreds of men"). */
export const COUNT_WORDS = new Set(
  'a an one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred hundreds thousand thousands dozen dozens score scores several many few countless'.split(
    ' ',
  ),
);
/** Prepositions that put a place after a verb's object, not in it. */
export const PLACE_PREPOSITIONS = new Set(
  'at from near off over in on outside inside below beneath under beyond before behind across along around to into'.split(' '),
);
/**
 * Prepositions that set a thing beside a place, never in it: "the old bridge below Harrowgate",
 * "the farms around Lowmarket", "the road to Harrowgate". Unlike "at", "in" or "of" ("the docks
 * at Brackwater", "the gates of Lowmarket"), what they place is not the place itself.
 */
export const BESIDE_PREPOSITIONS = new Set(
  'near below beneath underneath under outside beyond past behind above across along around toward towards to off overlooking'.split(
    ' ',
  ),
);
/** Nouns that make a taking an idiom, not a capture: "took shelter in", "took the road to", "took the measure of". */
export const IDIOM_OBJECTS = new Set(
  'shelter refuge cover road roads path paths way ways route measure stock aim heart leave note ship sail'.split(' '),
);
/** Parts of a place: taking them is taking the place ("seized the docks at Brackwater", "took the gates of Lowmarket"). */
export const PLACE_PARTS = new Set(
  'gate gates wall walls docks dock quays quay wharves harbour harbor port streets street square keep citadel castle tower towers palace throne hall halls council bridgehead heart centre center whole rest district districts quarter quarters waterfront outskirts defences defenses key keys'.split(
    ' ',
  ),
);
/** Nouns of holding: "took control of X" takes X ("took control of the bridge at Lowmarket" takes the bridge), "seized power in X" takes X. */
export const CONTROL_NOUNS = new Set([
  'control',
  'possession',
  'command',
  'charge',
  'hold',
  'mastery',
  'power',
  'rule',
  'authority',
]);
/** A person taken as one of these ("took the Marshal prisoner") is the object: the place after is where it happened. */
export const CAPTIVE_WORDS = new Set(['prisoner', 'prisoners', 'captive', 'captives', 'hostage', 'hostages']);
/** Entity types that are an object of their own when they stand right after the verb ("seized the Drowned Bell from Brackwater"). */
export const THING_TYPES = new Set(['character', 'artifact']);

// Battles. Flight and defeat: which side "they" is after a battle.

/** A faction that does these has lost the field: "they" in the next clause is the other side. */
export const FLIGHT_WORDS = new Set(
  (
    'fled flee flees retreated retreat retreats withdrew withdraw withdraws broke scattered ran routed surrendered ' +
    'capitulated yielded defeated beaten crushed vanquished overwhelmed repulsed'
  ).split(' '),
);
/** Two-word flights ("fell back", "gave way"); the first word is looked up, the second must follow. */
export const FLIGHT_PAIRS = new Map([
  ['fell', 'back'],
  ['pulled', 'back'],
  ['gave', 'way'],
  ['melted', 'away'],
  ['driven', 'back'],
  ['driven', 'off'],
  ['beaten', 'back'],
]);
/** Active verbs whose object is the beaten side ("the Tithe routed the Emberwrights"). */
export const DEFEAT_VERBS = new Set(
  'routed defeated beat crushed scattered broke vanquished overwhelmed repulsed smashed trounced'.split(' '),
);
/** Between a flight and "they took": these keep the same subject ("fled, but they took ... anyway"). */
export const SAME_SIDE_WORDS = new Set(['but', 'yet', 'though', 'although', 'instead', 'anyway', 'still', 'also']);
/** "fled the field", "abandoned the fight": the object of a flight that is the lost battle itself. */
export const FIELD_WORDS = new Set(['field', 'fight', 'battle', 'battlefield', 'walls', 'line', 'lines']);
/** Words that may stand between a flight's subject and its verb ("were quickly routed", "had fled"). */
export const FLIGHT_AUX = new Set(['were', 'was', 'had', 'have', 'has', 'been', 'then', 'soon', 'finally']);

// Changes told as nouns. "The fall of Lowmarket to the Tithe", "the siege of Brackwater began".

/** Nouns of a place changing hands, and the word their taker follows: "the fall of X to Y", "the capture of X by Y". */
export const CHANGE_NOUNS = new Map<string, 'to' | 'by'>([
  ['fall', 'to'],
  ['surrender', 'to'],
  ['loss', 'to'],
  ['handover', 'to'],
  ['capture', 'by'],
  ['conquest', 'by'],
  ['seizure', 'by'],
  ['taking', 'by'],
  ['occupation', 'by'],
  ['annexation', 'by'],
  ['recapture', 'by'],
]);
/** Words a few before the noun that make the event feared, planned or averted, not told ("to prevent the fall of"). */
export const UNREAL_BEFORE = new Set(
  'prevent prevented prevents avert averted stop stopped fear feared fears dread dreaded plan planned plans plot plotted risk threat imminent impending coming attempted attempt dream dreamed dreamt'.split(
    ' ',
  ),
);
/** Modals right after a change noun's taker: the event as a subject of what would or might happen ("the fall of Lowmarket to the Tithe would ruin us"). */
export const MODALS_AFTER = new Set(['would', 'could', 'might', 'will', 'shall', 'may', 'must', "would've", 'should']);
/** Words after a siege told as a noun that end it ("ended", "was lifted", "is over"). */
export const SIEGE_ENDS = new Set(['ended', 'ends', 'lifted', 'broke', 'broken', 'failed', 'fails', 'collapsed', 'over']);
