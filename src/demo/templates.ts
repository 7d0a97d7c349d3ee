/**
 * Sentence templates for synthetic sessions. Slots: {F} faction, {F2} another faction,
 * {R} region or settlement, {C} character, {A} artifact, {P} prohibited-capability phrase,
 * {N} an unknown person, {G} an unknown group, {PC} the player character.
 */
export const NEUTRAL_GM = [
  '{C} studies the old maps of {R} by lantern light.',
  'The banners of {F} hang limp over {R} in the rain.',
  'You find {C} waiting near the gates of {R}, arms folded.',
  '{C} keeps the {A} wrapped in oilcloth and will not let it go.',
  'Smoke rises from the chimneys of {R} as the bells ring for evening.',
  'A courier from {F} hands you a sealed letter and leaves without a word.',
  'The road to {R} is muddy, and the carts move slowly.',
  '{C} laughs, but the sound does not reach their eyes.',
  'Far below, the lights of {R} flicker like dying embers.',
  'The envoy of {F} bows stiffly and speaks of old debts.',
];
export const CONTROL_GM = [
  '{F} seized {R} from {F2} before dawn.',
  'By nightfall {F} had taken control of {R}.',
  '{F} captured {R} after a short, brutal fight.',
  'Scouts confirm that {F} retreated from {R}.',
  '{R} fell to {F} when the walls gave way.',
  '{F} liberated {R} from {F2}, and the people cheered.',
];
export const STATUS_GM = [
  '{R} is under threat as raiders gather in the hills.',
  'After the fires, {R} lies in ruins.',
  'The harvest failed and {R} was ravaged by hunger.',
  'With the militia back on the walls, {R} is stabilised at last.',
];
export const HEDGED_GM = [
  'Rumour has it that {F} captured {R} in the night.',
  'Reportedly, {C} was seen riding hard toward {R}.',
  'Allegedly {F} paid the watch at {R} to look away.',
];
export const NEGATED_GM = [
  '{F} failed to capture {R}, and their dead litter the pass.',
  '{F} did not seize {R}; the gates held.',
  '{F} tried to take {R} but the tide turned against them.',
];
export const UNKNOWN_GM = [
  'A stranger named {N} joins the caravan at the crossroads.',
  'Envoys of the {G} arrive with gifts and careful smiles.',
  '{C} warns you about {N}, who sells secrets to anyone.',
];
export const CAPABILITY_GM = ['{C} swears the healer {P} the fallen scout.', 'They say the old mage {P} once, and paid for it.'];
export const CAPABILITY_PHRASES = ['raised from the dead', 'turned back time', 'tore open the sky', 'teleported'];
export const PLAYER_LINES = [
  'I ask {C} what really happened in {R}.',
  'I draw my blade and follow {C} into the dark.',
  'We should head for {R} before the storm breaks.',
  'I offer the envoy of {F} a fair trade.',
  'I keep quiet and watch the crowd.',
  '"Tell me about the {A}," I say.',
  'I check my supplies and count the coins twice.',
];
export const NAME_FIRST = ['Veyla', 'Corin', 'Maelis', 'Tarsk', 'Ilsabet', 'Dorran', 'Quenna', 'Halvard', 'Serafin', 'Oda'];
export const NAME_LAST = [
  'Strand',
  'Mirecourt',
  'Vantreth',
  'Holloway',
  'Crane',
  'Dusk',
  'Orrick',
  'Fenwright',
  'Sallow',
  'Brannoch',
];
export const GROUP_ADJ = ['Silver', 'Ashen-Eyed', 'Gilded', 'Hollow', 'Crimson', 'Sable'];
export const GROUP_NOUN = ['Hand', 'Covenant', 'Brotherhood', 'League', 'Syndicate', 'Wardens'];
export const TAGS = ['intrigue', 'war', 'survival', 'faith', 'trade', 'loss', 'hope'];
export const HOOKS = [
  'Who sent the courier?',
  'What lies beneath the old shrine?',
  'Why did the envoy lie?',
  'Where is the missing caravan?',
];
