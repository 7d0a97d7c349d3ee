/**
 * Word lists for the extraction heuristics, kept together so docs/pipeline.md and the
 * corpus can be checked against one place. All lower-case, matched on tokens.
 */
export const HEDGE_WORDS = new Set([
  'rumour',
  'rumours',
  'rumoured',
  'rumor',
  'rumors',
  'rumored',
  'allegedly',
  'alleged',
  'unconfirmed',
  'reportedly',
  'supposedly',
  'purportedly',
  'unverified',
  'hearsay',
  // guesses
  'perhaps',
  'maybe',
  'possibly',
  'probably',
  'apparently',
  'seemingly',
  // beliefs and fears: "your informant believes the Choir took Harrowgate"
  'believes',
  'believe',
  'believed',
  'suspects',
  'suspect',
  'suspected',
  'fears',
  'feared',
  // "the guards are convinced the Tithe took Lowmarket", "Vell reckons ...": someone's belief
  'convinced',
  'reckon',
  'reckons',
  'reckoned',
  'thinks',
  'presumably',
]);

/**
 * The forms of a verb: base, -s, past and -ing. The -s, -ed and -ing forms follow the regular
 * rules (a final e drops before -ed/-ing, a consonant + y becomes -ies/-ied); `past` replaces the
 * regular past ("said", "swore", "sworn") and `ing` the regular -ing ("bragging"). Built from
 * lemmas so a verb is never listed as "says" but not "saying", or "claim" but not "claims".
 */
function forms(lemma: string, past?: string[], ing?: string): string[] {
  const e = lemma.endsWith('e');
  const y = /[^aeiou]y$/.test(lemma);
  const stem = y ? lemma.slice(0, -1) : lemma;
  const s = y ? `${stem}ies` : /(s|sh|ch|x)$/.test(lemma) ? `${lemma}es` : `${lemma}s`;
  const ed = y ? `${stem}ied` : e ? `${lemma}d` : `${lemma}ed`;
  return [lemma, s, ...(past ?? [ed]), ing ?? (e ? `${lemma.slice(0, -1)}ing` : `${lemma}ing`)];
}

/**
 * Reported speech: someone else's word for it ("the ferrymen say the Order lost Harrowgate",
 * "a fisherman swears ...", "a drunk sailor claims ..."). Moderated like a hedge, without the
 * confidence penalty: the report is exact, only its truth is unchecked. Verbs of saying, telling
 * and crying out that take what was said as their object, in every form.
 */
export const REPORT_WORDS = new Set([
  ...forms('say', ['said']),
  ...forms('swear', ['swore', 'sworn']),
  ...forms('tell', ['told']),
  ...forms('write', ['wrote', 'written']),
  ...forms('hear', ['heard']),
  ...forms('insist'),
  ...forms('claim'),
  ...forms('whisper'),
  ...forms('gossip', ['gossiped', 'gossipped']),
  ...forms('report'),
  ...forms('mutter'),
  ...forms('murmur'),
  ...forms('announce'),
  ...forms('declare'),
  ...forms('proclaim'),
  ...forms('boast'),
  ...forms('brag', ['bragged'], 'bragging'),
  ...forms('allege'),
  ...forms('assert'),
  ...forms('confide'),
  ...forms('mention'),
  ...forms('admit', ['admitted'], 'admitting'),
  ...forms('hint'),
  ...forms('grumble'),
  ...forms('complain'),
  ...forms('explain'),
  ...forms('recount'),
  ...forms('shout'),
  ...forms('yell'),
  ...forms('scream'),
  ...forms('bellow'),
  ...forms('cry'),
  ...forms('crow'),
  ...forms('hiss'),
  ...forms('gasp'),
  ...forms('chant'),
  // a notice, a broadsheet, a letter: "Lowmarket Falls To The Iron Tithe, reads the broadsheet"
  'reads',
  'news',
]);

/**
 * "Word has come up the river that ...", "word had reached the Choir", "word spreads that ...":
 * "word" and a verb of arriving, each verb as [-s, past, participle, -ing]: "word comes/came",
 * "word has/had come", "word is/was coming".
 */
const ARRIVAL_VERBS = [
  ['comes', 'came', 'come', 'coming'],
  ['reaches', 'reached', 'reached', 'reaching'],
  ['spreads', 'spread', 'spread', 'spreading'],
  ['arrives', 'arrived', 'arrived', 'arriving'],
  ['travels', 'travelled', 'travelled', 'travelling'],
  ['gets', 'got', 'got', 'getting'],
];
const WORD_ARRIVES: string[] = ARRIVAL_VERBS.flatMap(([s, past, participle, ing]) => [
  `word ${s}`,
  `word ${past}`,
  `word has ${participle}`,
  `word had ${participle}`,
  `word is ${ing}`,
  `word was ${ing}`,
]);

/**
 * Verbs that pass on someone's word only with a "that" complement ("she adds that the Fens were
 * flooded", "the reeve admits that", "he warns you that"): alone they are ordinary verbs ("the
 * Tithe adds Lowmarket to its holdings"), so they report only when "that" follows within two words.
 */
export const REPORT_THAT_VERBS = new Set([
  'add',
  'adds',
  'added',
  'explain',
  'explains',
  'explained',
  'mention',
  'mentions',
  'mentioned',
  'confide',
  'confides',
  'confided',
  'warn',
  'warns',
  'warned',
  'admit',
  'admits',
  'admitted',
  'hint',
  'hints',
  'hinted',
  'assure',
  'assures',
  'assured',
  'remark',
  'remarks',
  'remarked',
  'note',
  'notes',
  'noted',
  'suggest',
  'suggests',
  'suggested',
  'maintain',
  'maintains',
  'maintained',
  'recount',
  'recounts',
  'recounted',
  'repeat',
  'repeats',
  'repeated',
]);

/**
 * Reporting phrases: the narrator passes on what someone says rather than stating it. Any of
 * them makes the sentence's claims hedged (lower confidence, and moderation whatever the
 * confidence).
 */
export const HEDGE_PHRASES: string[][] = [
  'some say',
  'they say',
  'people say',
  'men say',
  'it is said',
  "it's said",
  'word is',
  'word has it',
  'according to',
  'whispers that',
  'whisper that',
  'whispered that',
  'i heard',
  'heard that',
  'said to have',
  'claims that',
  'claimed that',
  'stories say',
  'legend says',
  'legend has it',
  'story goes',
  'word from',
  ...WORD_ARRIVES,
].map((p) => p.split(' '));

/**
 * Hedges read from a rarer second word and the word before it ("it seems", "by one account",
 * "by all accounts"): keyed on the second word, so the common first words ("it", "all") cost
 * no phrase look-up on every sentence.
 */
export const HEDGE_AFTER = new Map<string, Set<string>>([
  ['seems', new Set(['it'])],
  ['appears', new Set(['it'])],
  ['account', new Set(['one', 'his', 'her', 'their', 'every'])],
  ['accounts', new Set(['all', 'some', 'most', 'many'])],
  // "there is talk that ...", "scouts bring word that ...", "the reports that ...": a noun of report
  // and its that-clause ("the Emberwrights sent word" alone passes nothing on)
  [
    'that',
    new Set([
      'talk',
      'word',
      'news',
      'rumour',
      'rumours',
      'reports',
      'report',
      'stories',
      'tales',
      'claims',
      'gossip',
      'whispers',
    ]),
  ],
]);

/** Words that, shortly before a change verb, make the statement non-factual. */
export const NEGATION_WORDS = new Set([
  'not',
  'never',
  'no',
  "didn't",
  'didn’t',
  "don't",
  "doesn't",
  "couldn't",
  'couldn’t',
  'cannot',
  "can't",
  "wasn't",
  "weren't",
  "hasn't",
  "haven't",
  "hadn't",
  "won't",
  "wouldn't",
  'failed',
  'fail',
  'fails',
  'nearly',
  'almost',
  'without',
  'tried',
  'tries',
  'attempted',
  'attempts',
  'plans',
  'planned',
  'planning',
  'hoped',
  'hopes',
  'sought',
  'seeks',
  'wants',
  'wanted',
  'would',
  'might',
  'may',
  'could',
  'should',
  'threatened',
  'threatens',
  'unable',
  'if',
  'unless',
  'whether',
  'longer',
  'nor',
  'neither',
  // future and future perfect ("will have captured"), and "'ll" forms (checked by suffix)
  'will',
  'shall',
]);

/** Negators that open a clause and reach its verb at any distance ("None of the Corsairs' assaults took ..."). */
export const CLAUSE_NEGATORS = new Set([
  'none',
  'neither',
  'nobody',
  'nothing',
  'nor',
  // a report denied: "the envoy denies that the Court lost Lowmarket"
  'denies',
  'denied',
  'deny',
  'denying',
  'disputes',
  'disputed',
  'refutes',
  'refuted',
  // a report doubted: "the fishermen doubt the Corsairs ever took Lowmarket"
  'doubt',
  'doubts',
  'doubted',
]);

export const NEGATION_WINDOW = 4;

export const CAPITALISED_STOPWORDS = new Set([
  'i',
  'the',
  'a',
  'an',
  'and',
  'but',
  'or',
  'oh',
  'ah',
  'yes',
  'no',
  'hey',
  'well',
  'okay',
  'ok',
  'sir',
  'lady',
  'lord',
  'god',
  'gods',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
  'gm',
  'he',
  'she',
  'they',
  'we',
  'you',
  'it',
  'his',
  'her',
  'their',
  'our',
  'my',
  'your',
  'its',
  'this',
  'that',
  'these',
  'those',
  'there',
  'then',
  'when',
  'while',
  'as',
  'if',
  'so',
  'now',
  'still',
  'even',
  'north',
  'south',
  'east',
  'west',
  'act',
  'scene',
  'chapter',
  // "(OOC) Let's not": the imperative "Let's" after a parenthesis is no name, whatever its capital
  'let',
  // contractions of the pronouns above ("I'm afraid", "They've gone"), straight or curly apostrophe
  ...["i'm", "i've", "i'd", "i'll", "it's", "they're", "they've", "they'd", "we're", "we've", "you're", "he's", "she's"].flatMap(
    (w) => [w, w.replace("'", '\u2019')],
  ),
]);
