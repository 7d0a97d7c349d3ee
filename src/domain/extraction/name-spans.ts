import { tokenAt } from '../text/token-at.js';
import type { Token } from '../text/tokens.js';
import { CAPITALISED_STOPWORDS } from './hedges.js';
import type { Lexicon } from './lexicon.js';
import { cueType, TITLES } from './type-guess.js';

/**
 * New-name detection without a part-of-speech pass over the sentence. Capitalisation is
 * the signal; the only place it misleads is the first word of a sentence or quotation
 * ("Beyond Orlen Reach", "Tell Veyla"), and there a lexicon of common sentence-initial
 * words decides, then the transcript itself: a word the same transcript also writes in
 * lower case is not a name ("Suddenly" / "suddenly"). That last check needs the whole
 * transcript, so runs that start with such a word are marked `ambiguousFirst` and settled
 * after the scan (extract-entities.ts). Measured against the wink-nlp POS path in
 * bench/pipeline-stages.ts (recall of the generator's invented names) and the corpus.
 */
export interface NameRun {
  /** Name words as written, title words removed. */
  words: string[];
  title: string | null;
  /** The word before the run (type cue "in Orlen" -> settlement). */
  precedingWord: string | null;
  /** The run opens the sentence or a quotation with a word that may be an ordinary one. */
  ambiguousFirst: boolean;
  /** `words` joined, once. */
  name?: string;
}

/**
 * Common words that open sentences or quotations capitalised: function words, adverbs,
 * imperatives of dialogue, interjections. Followed by a capitalised word they are still not
 * part of a name ("Beyond Orlen", "Tell Veyla", "Ask Captain Loumus").
 */
export const COMMON_INITIAL = new Set(
  (
    'a about above across after afterwards again against ahead all almost along already also although always among an and ' +
    'another any anyone anything anyway apparently around as ask asked at away back because before behind below beneath ' +
    'beside besides between beyond both bring but by call can carefully come could dawn day days despite did do does done ' +
    'down during each early either else elsewhere even eventually ever every everyone everything except far few find finally ' +
    'first follow for forget forgive from further get give go good great had half has have he hello help her here hers him ' +
    'his how however i if in inside instead into is it its just keep last later leave lest let lets like listen look many ' +
    'maybe meanwhile might more moreover most much must my near nearby nearly neither never nevertheless next night no ' +
    'nobody none noon nor not nothing now nowhere of off often on once one only onto or other others otherwise our out ' +
    'outside over perhaps please quick quickly quietly rather really remember run say see seven several she should show ' +
    'silence since slowly so some somebody someone something sometimes somewhere soon stand stay still stop such suddenly ' +
    'take tell than thank thanks that the their them then there therefore these they this those though three through ' +
    'throughout thus to today together tomorrow tonight too toward towards two under unless until up upon us very wait ' +
    'was watch we well were what whatever when whenever where wherever whether which while who whoever whom whose why will ' +
    'with within without would yes yet you your yours yesterday above behold alas aye nay oh ah hey hmm no yeah right ' +
    'sure fine okay ok good bad enough too any dear poor old young brave sweet kind gentle morning evening midnight ' +
    'tell ask bring take follow guard hold open close send fetch hurry move halt turn go get let make give put set ' +
    'behind beneath inside outside overhead everywhere anywhere truly surely certainly clearly honestly frankly indeed ' +
    'thankfully luckily sadly strangely oddly rumour rumours word news whispers reports legend tales scouts'
  ).split(' '),
);

/** Words "of" joins to the next capitalised words even though no type cue ends the head. */
const OF_HEADS = new Set(
  (
    'treaty battle siege war peace accord pact oath feast festival night day council house sons daughters children ' +
    'lord lady king queen prince princess duke duchess knights order city isle isles tower gate gates bay bridge hall ' +
    'book tome song chronicle lady mother father saint fall sack burning march'
  ).split(' '),
);

/** Heads of event names: "of" a world place they name an event, not an entity. */
const EVENT_HEADS = new Set(
  'treaty battle siege war peace accord pact oath feast festival night day fall sack burning march book tome song chronicle'.split(
    ' ',
  ),
);

/** Characters that open a sentence of their own when they come right before a word. */
function opensClause(sentence: string, tokens: Token[], i: number): boolean {
  if (i === 0) return true;
  const start = (tokens[i] as Token).start;
  const c = sentence.charCodeAt(start - 1);
  // " “ ' ‘ ( [ >
  if (c === 34 || c === 0x201c || c === 39 || c === 0x2018 || c === 40 || c === 91 || c === 62) return true;
  // ": Veyla", "— Veyla": the mark is followed by a space.
  for (let p = start - 1; p >= (tokens[i - 1] as Token).end; p--) {
    const d = sentence.charCodeAt(p);
    if (d === 32) continue;
    return d === 58 || d === 0x2014;
  }
  return false;
}

/** Anything but spaces between token i-1 and token i ends a name. */
function punctuationBefore(sentence: string, tokens: Token[], i: number): boolean {
  for (let p = (tokens[i - 1] as Token).end; p < (tokens[i] as Token).start; p++) if (sentence.charCodeAt(p) !== 32) return true;
  return false;
}

/** Capitalised, uncovered, not a stop word: could be (part of) a name. */
function capWord(tokens: Token[], i: number, covered: boolean): boolean {
  const t = tokens[i];
  return !!t && t.cap && !covered && !CAPITALISED_STOPWORDS.has(t.lower) && (!shouted(t) || acronym(tokens, i));
}

/** ALL CAPS ("THE IRON TITHE HAS TAKEN HARROWGATE!"): shouting, not a name; "DeVarre" is not. */
function shouted(t: Token): boolean {
  const c = t.text.charCodeAt(1);
  return c >= 65 && c <= 90;
}

/**
 * "the HKR", "agents of the RSC": an all-caps word of 2-5 letters with at most one vowel, in a
 * sentence that is not shouting (neither neighbour is all caps), and no common word written
 * loud for emphasis ("you must NOT", "RUN!"): an acronym names a group. Read only for tokens
 * shouted() already flagged, so ordinary words cost nothing more.
 */
function acronym(tokens: Token[], i: number): boolean {
  const t = tokens[i] as Token;
  const w = t.text;
  if (w.length < 2 || w.length > 5 || COMMON_INITIAL.has(t.lower)) return false;
  let vowels = 0;
  for (let k = 0; k < w.length; k++) {
    const c = w.charCodeAt(k);
    if (c < 65 || c > 90) return false;
    if (c === 65 || c === 69 || c === 73 || c === 79 || c === 85) vowels++;
  }
  if (vowels > 1) return false;
  const prev = tokens[i - 1];
  const next = tokens[i + 1];
  return !(prev && prev.text.length > 1 && shouted(prev)) && !(next && next.text.length > 1 && shouted(next));
}

/**
 * Capitalised function words inside a run mean a motto, sign or title in Title Case ("Light
 * Above All"), not a name; a run ending in a calendar word is a date ("the Frost Moon").
 */
const NOT_IN_NAMES = new Set(
  'above all below for with to in on at by from into over under and or nor but is are was were be not before after'.split(' '),
);
const CALENDAR_LAST = new Set(['moon', 'moons', 'eve', 'solstice', 'equinox', 'midsummer', 'midwinter', 'yuletide']);
function titleText(tokens: Token[], from: number, to: number): boolean {
  for (let j = from; j < to; j++) {
    const t = tokens[j] as Token;
    if (t.cap && NOT_IN_NAMES.has(t.lower)) return true;
  }
  return CALENDAR_LAST.has((tokens[to - 1] as Token).lower);
}

/**
 * The state of one findNameRuns scan. The run is the token range [start, end) (its tokens are
 * always consecutive: each token either joins it or ends it), not an array of indices, and
 * `flush` is a method of the one module-level scanner, not a closure made per call: at 200
 * llm-prose turns the name finder reads 341 sentences and flushes ~500 runs, and each call
 * allocated the closure and its context, and each flush a run array, a title-word array, an
 * index slice and a map callback.
 */
class RunScan {
  sentence = '';
  tokens: Token[] = [];
  coveredTok: (i: number) => boolean = () => false;
  lexicon: Lexicon | null = null;
  out: NameRun[] = [];
  start = 0;
  end = 0;
  ambiguous = false;
  // The run is one sentence-initial word before a speech verb (speakerOpener).
  loneSpeaker = false;
  runPreceding: string | null = null;
  // An appositive epithet of a world name ("Lowmarket, Pearl of the Delta, fell") ends here: the runs before are its words.
  epithetUntil = -1;
  // The run holds a possessive ("Moller's Cross"): a place or thing named after someone, title and all.
  possessive = false;

  /** Token i joins the run (it is the run's next token, or opens an empty run). */
  push(i: number): void {
    if (this.end === this.start) this.start = i;
    this.end = i + 1;
  }

  flush(): void {
    const { sentence, tokens, coveredTok } = this;
    const lexicon = this.lexicon as Lexicon;
    let end = this.end;
    while (end > this.start && (isJoinerTok(tokens[end - 1] as Token) || (tokens[end - 1] as Token).lower === 'and')) end--;
    const start = this.start;
    this.end = start; // the run is empty from here on, whatever this returns
    if (end > start) {
      if (start >= this.epithetUntil) this.epithetUntil = epithetEnd(sentence, tokens, coveredTok, start, end);
      if (start < this.epithetUntil || roleComplement(tokens, start) || namedWorldName(tokens, coveredTok, start)) {
        this.ambiguous = false;
        this.possessive = false;
        return;
      }
    }
    // Token keys are already lower case: no toLowerCase per word.
    let at = start;
    let amb = this.ambiguous;
    const preceding = this.runPreceding;
    // "the Old Road", "the High Bridge": a title word before one place word is part of a place's name
    // "King's Landing", "Old Marrick's Mill": before a possessive a title is part of the name
    const placeName = this.possessive || (end - start === 2 && PLACE_TAILS.has((tokens[start + 1] as Token).lower));
    this.possessive = false;
    while (!placeName && end - at > 1 && TITLES.has((tokens[at] as Token).lower)) {
      at++;
      amb = false;
    }
    // The title is [start, at), the name [at, end).
    this.ambiguous = false;
    if (at === end) return;
    const first = (tokens[at] as Token).lower;
    if (end - at === 1 && (TITLES.has(first) || lexicon.nameTokens.has(first) || EVENT_HEADS.has(first))) return;
    // "the Master of Coin": a title "of" something is a role; "the Year of the Red Comet" is a date
    if (JOIN.has(first) || (DATE_HEADS.has(first) && tokens[at + 1]?.lower === 'of')) return;
    let allKnown = true;
    for (let j = at; j < end; j++) {
      const k = (tokens[j] as Token).lower;
      if (!lexicon.nameTokens.has(k) && !JOIN.has(k)) {
        allKnown = false;
        break;
      }
    }
    // "the Order of the Ash": world words on both sides of "of", from different world names, make a new name
    if (allKnown && !ofNameOfOthers(tokens, at, end, lexicon)) return;
    if (titleText(tokens, at, end)) return;
    // A lone opener is a name only as a speech verb's subject; the transcript's lower case settles it later
    const lone = this.loneSpeaker;
    this.loneSpeaker = false;
    if (amb && end - at === 1 && !lone) return;
    // "the Harrowgate Watch", "the Velmoor Road": a world place right before the run names it
    let from = at;
    if (at === start && !amb) {
      const place = placeModifierStart(sentence, tokens, coveredTok, lexicon, at);
      if (place >= 0) from = place;
    }
    const words: string[] = [];
    for (let k = from; k < at; k++) words.push((tokens[k] as Token).text);
    // "Weavers' Quarter", "Moller's Cross": a possessive inside the name keeps its apostrophe (and s);
    // inside a run only a possessive leaves more than one character between two words
    for (let j = at; j < end; j++) {
      const t = tokens[j] as Token;
      words.push(
        j + 1 < end && (tokens[j + 1] as Token).start - t.end > 1
          ? `${t.text}${sentence.slice(t.end, (tokens[j + 1] as Token).start - 1)}`
          : t.text,
      );
    }
    this.out.push({
      words,
      title: at > start ? spacedTexts(tokens, start, at) : null,
      precedingWord: preceding,
      ambiguousFirst: amb,
      name: spaced(words),
    });
  }
}

/** The one scanner: findNameRuns is not re-entrant (it calls nothing that finds names). */
const SCAN = new RunScan();

/**
 * Proper-name runs in one tokenised sentence, minus anything a lexicon hit covers.
 * `coveredTok[i]` is true when token i is inside a lexicon hit.
 */
export function findNameRuns(sentence: string, tokens: Token[], coveredTok: (i: number) => boolean, lexicon: Lexicon): NameRun[] {
  const r = SCAN;
  const out: NameRun[] = [];
  r.sentence = sentence;
  r.tokens = tokens;
  r.coveredTok = coveredTok;
  r.lexicon = lexicon;
  r.out = out;
  r.start = 0;
  r.end = 0;
  r.ambiguous = false;
  r.loneSpeaker = false;
  r.runPreceding = null;
  r.epithetUntil = -1;
  r.possessive = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const covered = coveredTok(i);
    if (r.end > r.start && punctuationBefore(sentence, tokens, i)) {
      if (possessiveInName(sentence, tokens, i, covered)) r.possessive = true;
      else r.flush(); // 'Orlen Ford," Veyla'
    }
    let nameLike = capWord(tokens, i, covered) && !(r.end === r.start && FUNCTION_MID.has(t.lower));
    // "Sons of Harrowgate": a world name after the joiner a head admitted (joinsHere) stays in the run.
    if (r.end > r.start && covered && t.cap && r.end === i) {
      const prev = tokens[i - 1] as Token;
      if (isJoinerTok(prev) || prev.lower === 'and' || coveredTok(i - 1)) {
        r.push(i);
        continue;
      }
    }
    let initialAmbiguous = false;
    if (nameLike && opensClause(sentence, tokens, i)) {
      if (r.end > r.start) r.flush(); // a quotation opens a new name
      // Sentence- or quote-initial: part of a name only when more capitalised words follow
      // and it is not a common opener; whether the transcript writes it in lower case
      // elsewhere is settled later.
      const followed =
        (capWord(tokens, i + 1, coveredTok(i + 1)) && !opensClause(sentence, tokens, i + 1)) ||
        (PARTICLES.has(tokens[i + 1]?.lower ?? '') && particleInName(sentence, tokens, i, i + 1, coveredTok));
      // "Treaty of Reeds or no, ...": a head noun opening an "of" name keeps it whole;
      // "Harrow of the Nine Wells, a hedge-prophet, ...": so does a given name with an epithet
      const ofHead = !followed && (ofNameOpener(tokens, i, coveredTok) || epithetOpener(tokens, i, coveredTok));
      // "Tomas the Red rode in": an imperative reads the same ("Beware the Hollow"), so the opener stays ambiguous
      const theEpithet = !followed && !ofHead && epithetThe(tokens, i, i + 1, coveredTok);
      // "Tamsin laughed.", '"Get down!" Dagrun cried.': one word, the subject of a speech verb
      const speaker = !followed && !ofHead && !theEpithet && speakerOpener(tokens, i, coveredTok, lexicon);
      if ((!followed && !ofHead && !theEpithet && !speaker) || COMMON_INITIAL.has(t.lower)) nameLike = false;
      else initialAmbiguous = !ofHead && !TITLES.has(t.lower) && !lexicon.nameTokens.has(t.lower);
      if (speaker) r.loneSpeaker = true;
    }
    if (nameLike) {
      if (r.end === r.start) {
        r.runPreceding = i > 0 ? (tokens[i - 1] as Token).text : null;
        r.ambiguous = initialAmbiguous;
      }
      r.push(i);
      continue;
    }
    if (r.end > r.start && JOIN.has(t.lower) && !covered && joinsHere(tokens, r.start, i, coveredTok)) {
      r.push(i);
      continue;
    }
    // "Aldric van Horn", "Merrin de Vasse": a surname particle between two words of a person's name
    if (r.end > r.start && !t.cap && PARTICLES.has(t.lower) && particleInName(sentence, tokens, r.start, i, coveredTok)) {
      r.push(i);
      continue;
    }
    // "the Compact of Ash and Embers": "and" between two single words after "of"
    if (r.end > r.start && t.lower === 'and' && andInOfName(sentence, tokens, r.start, i, coveredTok, lexicon)) {
      r.push(i);
      continue;
    }
    // "the Keeper of the Drowned Bell", "the Shrine of Saint Orrin": a noun "of" a world name it does not head is a part or a role
    if (
      r.end - r.start === 1 &&
      t.lower === 'of' &&
      r.start > 0 &&
      (tokens[r.start - 1] as Token).lower === 'the' &&
      worldNameAfterOf(tokens, i, coveredTok)
    )
      r.end = r.start;
    if (r.end > r.start) r.flush();
  }
  if (r.end > r.start) r.flush();
  // Nothing of this sentence stays reachable from the scanner.
  r.sentence = '';
  r.tokens = NO_TOKENS;
  r.coveredTok = NOT_COVERED;
  r.lexicon = null;
  r.out = NO_RUNS;
  return out;
}

const NO_TOKENS: Token[] = [];
const NO_RUNS: NameRun[] = [];
const NOT_COVERED = (): boolean => false;

/** The texts of tokens [from, to) joined by spaces (a run's title words). */
function spacedTexts(tokens: Token[], from: number, to: number): string {
  let out = (tokens[from] as Token).text;
  for (let k = from + 1; k < to; k++) out += ` ${(tokens[k] as Token).text}`;
  return out;
}

/**
 * words.join(' ') by concatenation: Array.prototype.join takes V8's generic path (a cycle-check
 * stack and a separator builder) per call, and a name has one to four words; join was 7% of the
 * name finder's samples.
 */
function spaced(words: readonly string[]): string {
  let out = words[0] ?? '';
  for (let k = 1; k < words.length; k++) out += ` ${words[k] as string}`;
  return out;
}

const JOIN = new Set(['of', 'the']);
/** Heads of a time "of" something ("the Year of the Red Comet", "the Age of Ash"): a date, not an entity. */
const DATE_HEADS = new Set(['year', 'years', 'age', 'era', 'season', 'month', 'reign', 'days', 'hour']);

/**
 * An all-world-words "of" run ("Order of the Ash") is a new name unless a word before "of" and one
 * after it belong to the same world name ("Corsairs of the Saltmarch" is the Saltmarch Corsairs again).
 */
function ofNameOfOthers(tokens: Token[], from: number, to: number, lexicon: Lexicon): boolean {
  let of = -1;
  for (let k = from + 1; k < to; k++) if ((tokens[k] as Token).lower === 'of') of = k;
  if (of < 0) return false;
  for (let a = from; a < of; a++) {
    const owners = lexicon.tokenOwners.get((tokens[a] as Token).lower);
    if (!owners) continue;
    for (let b = of + 1; b < to; b++) {
      const other = lexicon.tokenOwners.get((tokens[b] as Token).lower);
      if (other) for (const o of other) if (owners.has(o)) return false;
    }
  }
  return true;
}

/** Place words a title word may start a name of ("the Old Road", "the High Bridge", "Old Market"). */
const PLACE_TAILS = new Set(
  'road bridge quarter gate gates square market harbour harbor wall walls tower hall street way ford docks district well mill'.split(
    ' ',
  ),
);

/**
 * "the Weavers' Quarter", "Moller's Cross", "Widow's Rest": a possessive between two capitalised
 * words no hit covers is inside one name (a place or thing named after someone), not the end of
 * one. Not before a stop word or a title ("Veyla's Captain Marr" is two people); a lower-case word
 * after it ("Cinderhold's streets") ends the run as before.
 */
function possessiveInName(sentence: string, tokens: Token[], i: number, covered: boolean): boolean {
  const prev = tokens[i - 1] as Token;
  const t = tokens[i] as Token;
  if (!t.cap || covered || CAPITALISED_STOPWORDS.has(t.lower) || shouted(t)) return false;
  const gap = t.start - prev.end;
  const c = sentence.charCodeAt(prev.end);
  if (c !== 39 && c !== 0x2019) return false;
  // plural "Weavers' Quarter"
  if (gap === 2) return prev.lower.endsWith('s') && sentence.charCodeAt(prev.end + 1) === 32;
  // singular "Moller's Cross" (the tokenizer folds the 's away)
  return (
    gap === 3 &&
    (sentence.charCodeAt(prev.end + 1) | 32) === 115 &&
    sentence.charCodeAt(prev.end + 2) === 32 &&
    !TITLES.has(t.lower)
  );
}

/** "the Lady of the Lake", "Captain of the Guard": the words "of" a title are a role's, not a name. */
function roleComplement(tokens: Token[], start: number): boolean {
  // tokenAt: a run often starts the sentence, and tokens[-1] is a slow property look-up
  let j = start - 1;
  if (tokenAt(tokens, j)?.lower === 'the') j--;
  const head = tokenAt(tokens, j - 1);
  return tokenAt(tokens, j)?.lower === 'of' && !!head?.cap && TITLES.has(head.lower);
}

/** "the people call the Iron Tithe the Lords of Dust": a naming verb, a world name, then its epithet. */
function namedWorldName(tokens: Token[], coveredTok: (i: number) => boolean, start: number): boolean {
  let j = start - 1;
  if (tokenAt(tokens, j)?.lower === 'the') j--;
  if (j < 1 || !coveredTok(j)) return false;
  while (j > 0 && coveredTok(j)) j--;
  if (tokens[j]?.lower === 'the') j--;
  return NAMING_WORDS.has(tokenAt(tokens, j)?.lower ?? '');
}

/** "of" (or "of the") right before token k, or before the world name token k continues. */
function ofBefore(tokens: Token[], k: number, coveredTok: (i: number) => boolean): boolean {
  let j = k - 1;
  while (j > 0 && coveredTok(j)) j--;
  if (tokens[j]?.lower === 'the') j--;
  return tokens[j]?.lower === 'of';
}

/**
 * A sentence-initial head that takes "of" ("Treaty", "Order", "Brotherhood"), then "of [the]" and a
 * capitalised word no hit covers, or a world name after a head that may take one.
 */
function ofNameOpener(tokens: Token[], i: number, coveredTok: (i: number) => boolean): boolean {
  const t = tokens[i] as Token;
  if (tokens[i + 1]?.lower !== 'of' || !OF_HEADS.has(t.lower)) return false;
  const at = tokens[i + 2]?.lower === 'the' ? i + 3 : i + 2;
  // "Sons of Harrowgate held the quay": a world name may end it, as mid-sentence (joinsHere), not after an event's head
  if (coveredTok(at)) return !!tokens[at]?.cap && takesOfWorldName(t.lower);
  return capWord(tokens, at, coveredTok(at));
}

/** A head that takes "of" and a world name into a new name ("Sons of Harrowgate"; not "the Fall of Harrowgate"). */
export function takesOfWorldName(lower: string): boolean {
  return OF_HEADS.has(lower) && !EVENT_HEADS.has(lower);
}

/** A world name (a lexicon hit) right after "of" or "of the" at token `of`. */
function worldNameAfterOf(tokens: Token[], of: number, coveredTok: (i: number) => boolean): boolean {
  return coveredTok(tokens[of + 1]?.lower === 'the' ? of + 2 : of + 1);
}

const NAMING_WORDS = new Set(['call', 'calls', 'called', 'named', 'dubbed', 'nicknamed']);
const NAMED_OBJECTS = new Set(['themselves', 'itself', 'himself', 'herself', 'it', 'them', 'him', 'her']);
const NAMING_CLAUSE_STARTS = new Set(['whom', 'who', 'which', 'that', 'known', 'called', 'named', 'dubbed', 'nicknamed']);

/**
 * "Brask Ironjaw, whom the sailors call the Terror of the Tides,", "Cinderhold, known as the Anvil":
 * a run named by a naming verb in a clause that opens with a relative word or a naming participle;
 * the token where that clause starts, else -1 (epithetEnd checks it follows a world name and a comma).
 */
function namingClauseStart(sentence: string, tokens: Token[], start: number): number {
  let v = tokens[start - 1]?.lower === 'the' ? start - 2 : start - 1;
  // "who call themselves the Children of the Forge"
  if (NAMED_OBJECTS.has(tokens[v]?.lower ?? '')) v--;
  // "known in the south as the Singing Dead"
  if (tokens[v]?.lower === 'as') for (let k = v - 1; k >= 0 && k >= v - 4; k--) if (tokens[k]?.lower === 'known') v = k;
  if (!NAMING_WORDS.has(tokens[v]?.lower ?? '') && tokens[v]?.lower !== 'known') return -1;
  for (let q = v; q > 0 && q > v - 6; q--) {
    if (!appositiveGap(sentence, tokens, q)) continue;
    return NAMING_CLAUSE_STARTS.has((tokens[q] as Token).lower) ? q : -1;
  }
  return -1;
}

/** A quotation mark between token k-1 and token k. */
function quoteBefore(sentence: string, tokens: Token[], k: number): boolean {
  for (let p = (tokens[k - 1] as Token).end; p < (tokens[k] as Token).start; p++) {
    const c = sentence.charCodeAt(p);
    if (c === 34 || c === 0x201c || c === 0x201d || c === 39 || c === 0x2018 || c === 0x2019) return true;
  }
  return false;
}

/** A comma, dash or bracket between token i-1 and token i (an appositive opens or closes there). */
function appositiveGap(sentence: string, tokens: Token[], i: number): boolean {
  for (let p = (tokens[i - 1] as Token).end; p < (tokens[i] as Token).start; p++) {
    const c = sentence.charCodeAt(p);
    if (c === 44 || c === 0x2014 || c === 0x2013 || c === 40 || c === 41) return true;
  }
  return false;
}

/**
 * "Lowmarket, the Jewel of the River, fell", "The Saltmarch Corsairs, Scourge of the Southern Sea,
 * took", "the Iron Tithe, the Grey Collectors of the south,": capitalised words set off by commas or
 * dashes right after a world name are another name for it, not a new entity. The run [start, end)
 * opens such an appositive when only "the", "of" and capitalised words stand between it and a comma
 * after a lexicon hit, and the appositive closes (comma or dash) before a lower-case word that is not
 * "and"/"or" (a list goes on: "the Iron Tithe, the Silver Hand, and the Court"), with no hit inside;
 * lower-case words only after an "of" ("of the south"). At the sentence's end it closes only after
 * "the" or an "of". Returns the token index where the appositive ends, else -1.
 */
function epithetEnd(sentence: string, tokens: Token[], coveredTok: (i: number) => boolean, start: number, end: number): number {
  let q = start;
  let named = false;
  while (q > 0 && start - q < 4 && !appositiveGap(sentence, tokens, q)) {
    const w = tokens[q - 1] as Token;
    if (!(JOIN.has(w.lower) || (w.cap && !coveredTok(q - 1)))) {
      q = namingClauseStart(sentence, tokens, start);
      if (q < 0) return -1;
      named = true;
      break;
    }
    q--;
  }
  if (q === 0 || !appositiveGap(sentence, tokens, q) || !coveredTok(q - 1)) return -1;
  // A naming clause, "the" first, or "of"/"to" inside ("Pearl of the Delta", "the Gateway to the
  // North") make an epithet; a bare name ("Lowmarket, Mirela Danvers, was") is someone else's.
  // Lower-case words may follow only an "of"/"to" ("the Grey Collectors of the south").
  let of = false;
  for (let k = q; k < end; k++) if ((tokens[k] as Token).lower === 'of') of = true;
  const epithet = () => named || of || (tokens[q] as Token).lower === 'the';
  for (let k = end; k < tokens.length && k < end + 6; k++) {
    if (quoteBefore(sentence, tokens, k)) return -1; // '"Welcome to Lowmarket, Captain Vessa Marr," she said'
    if (appositiveGap(sentence, tokens, k)) {
      const w = tokens[k] as Token;
      // "the Kite Guild, the Guild of Lamplighters, the Salt Wardens and ...": a list goes on
      const listGoesOn = w.lower === 'and' || w.lower === 'or' || (w.lower === 'the' && !!tokens[k + 1]?.cap);
      return epithet() && !w.cap && !listGoesOn ? k : -1;
    }
    if (punctuationBefore(sentence, tokens, k)) return -1; // a quotation, a clause end
    const w = tokens[k] as Token;
    // a world name only right after "of" ("the Old Fox of Lowmarket"); after "and" it is a list item
    if (coveredTok(k) && !ofBefore(tokens, k, coveredTok)) return -1;
    if (w.lower === 'of' || w.lower === 'to') of = true;
    else if (!w.cap && !JOIN.has(w.lower) && w.lower !== 'and' && !of) return -1;
  }
  if (end + 6 <= tokens.length) return -1;
  return epithet() ? tokens.length : -1;
}
/**
 * isTypeCue of a token, from its key: isTypeCue lower-cases the text it is given, a new string
 * per capitalised word asked about. The same answer: a token's key is its text lower-cased (read
 * from the lower-cased sentence only where that gives the same length), and the cue words are
 * ASCII, which no context-dependent mapping (final sigma) produces.
 */
function typeCueKey(lower: string): boolean {
  return cueType(lower) !== undefined;
}

/** Capitalised mid-sentence words that are not names (wink tagged them as non-nouns). */
const FUNCTION_MID = new Set(['said', 'says', 'will', 'shall', 'did', 'does', 'is', 'are', 'was', 'were', 'not']);

function isJoinerTok(t: Token): boolean {
  return JOIN.has(t.lower);
}

/**
 * "of" (and "the" after it) continue a name only after a head that takes one ("Order of the
 * Pale Star", "Treaty of Reeds", "Vale of Sighs"), and only when a capitalised word follows;
 * after a person's name "of" starts a new one ("Veyla Strand of the Silver Hand").
 */
function joinsHere(tokens: Token[], runStart: number, i: number, coveredTok: (i: number) => boolean): boolean {
  // The word before the run, by its key: toLowerCase of its text was a runtime call per question.
  const preceding = runStart > 0 ? (tokens[runStart - 1] as Token).lower : null;
  // the run is [runStart, i)
  const last = tokens[i - 1] as Token;
  // "Wardens of the Sunder Gap": the "the" after "of" joins whatever follows; the head was checked at "of"
  if (JOIN.has(last.lower)) {
    const next = tokens[i + 1];
    return !!next?.cap && !CAPITALISED_STOPWORDS.has(next.lower);
  }
  // "Ilvane of the Ninth Forge": a lone given name takes "of the" and an epithet (epithetOf).
  if (i - runStart === 1 && (tokens[i] as Token).lower === 'of' && epithetOf(tokens, runStart, coveredTok, preceding))
    return true;
  // "Tomas the Red", "Garrick the Younger": a person's name takes "the" and a one-word epithet.
  if ((tokens[i] as Token).lower === 'the') return epithetThe(tokens, runStart, i, coveredTok);
  // "the Oath of Neirias": one capitalised word after "the" heads an "of" name whatever it is.
  const theHead = i - runStart === 1 && preceding === 'the';
  const head = theHead || JOIN.has(last.lower) || typeCueKey(last.lower) || OF_HEADS.has(last.lower);
  if (!head) return false;
  let j = i + 1;
  while (tokens[j] && JOIN.has((tokens[j] as Token).lower)) j++;
  const next = tokens[j];
  if (!next?.cap || CAPITALISED_STOPWORDS.has(next.lower)) return false;
  // A world name may end an "of" name only after a head noun ("Sons of Harrowgate", not "the
  // Envoy of Lowmarket"), and not after an event's ("the Fall of Harrowgate" is no entity).
  // "the Keepers of Brackwater": a plural after "the" heads a group named after a place.
  const plural = theHead && last.lower.endsWith('s') && !EVENT_HEADS.has(last.lower);
  return !coveredTok(j) || typeCueKey(last.lower) || plural || (OF_HEADS.has(last.lower) && !EVENT_HEADS.has(last.lower));
}

/** Words before a lone capitalised word that make it a common noun's head, not a given name ("a Warden of"). */
const DETERMINERS = new Set([
  'the',
  'a',
  'an',
  'this',
  'that',
  'his',
  'her',
  'its',
  'their',
  'our',
  'my',
  'your',
  'every',
  'each',
]);
/** Directions open "South of the Grey Hills" as a place phrase, not a name. */
const DIRECTIONS = new Set(['north', 'south', 'east', 'west', 'northeast', 'northwest', 'southeast', 'southwest']);

/**
 * The end (exclusive) of the capitalised words from token `from` that no hit covers and no
 * punctuation breaks, or -1 when there are none or a hit covers one.
 */
function capitalisedRunEnd(tokens: Token[], from: number, coveredTok: (i: number) => boolean): number {
  let k = from;
  while (k < tokens.length && capWord(tokens, k, false) && (k === from || !gapBefore(tokens, k))) {
    if (coveredTok(k)) return -1;
    k++;
  }
  return k === from ? -1 : k;
}

/** More than one space between token k-1 and token k (a comma, a quotation mark, a possessive). */
function gapBefore(tokens: Token[], k: number): boolean {
  return (tokens[k] as Token).start - (tokens[k - 1] as Token).end !== 1;
}

/**
 * "Harrow of the Nine Wells", "Ilvane of the Ninth Forge", "Maud of the Seven Bells": a lone given
 * name (token `at`: no title, no determiner before it, not a type cue, title or head noun that takes
 * "of" anyway) followed by "of the" and capitalised words no hit covers is one name: the epithet is
 * part of it. Not when those words end in a group noun ("Odo of the Red Wardens", "Veyla of the
 * Silver Hand": a member of a group) or name a world entity ("Tamsin of the Iron Tithe"); a name of
 * two words keeps its epithet apart as before ("Veyla Strand of the Silver Hand").
 */
function epithetOf(tokens: Token[], at: number, coveredTok: (i: number) => boolean, preceding: string | null): boolean {
  // `preceding`: the key of the word before token `at`, null at the sentence's start
  const t = tokens[at] as Token;
  if (!t.cap || TITLES.has(t.lower) || typeCueKey(t.lower) || OF_HEADS.has(t.lower) || DIRECTIONS.has(t.lower)) return false;
  if (preceding !== null && DETERMINERS.has(preceding)) return false;
  if (tokens[at + 1]?.lower !== 'of' || tokens[at + 2]?.lower !== 'the' || gapBefore(tokens, at + 1)) return false;
  const end = capitalisedRunEnd(tokens, at + 3, coveredTok);
  if (end < 0) return false;
  return cueType((tokens[end - 1] as Token).lower) !== 'faction';
}

/**
 * A sentence-initial given name with an epithet ("Harrow of the Nine Wells led ..."): epithetOf,
 * and no plural ("Ships of the Black Fleet", "Envoys of the Pale Star": common nouns, capitalised
 * because they open the sentence). Common openers are refused by the caller.
 */
function epithetOpener(tokens: Token[], i: number, coveredTok: (i: number) => boolean): boolean {
  const t = tokens[i] as Token;
  if (plural(t) || OF_NOUNS.has(t.lower) || !epithetOf(tokens, i, coveredTok, null)) return false;
  // "Talk of the Grey Hills", "News of the Iron Keep": at a sentence start "of the" a place is a noun's complement
  const end = capitalisedRunEnd(tokens, i + 3, coveredTok);
  const placeType = cueType((tokens[end - 1] as Token).lower);
  return placeType !== 'region' && placeType !== 'settlement';
}

/** Common nouns that open a sentence with "of the" ("Sight of the Grey Hills", "Part of the Salt Road"). */
const OF_NOUNS = new Set(
  (
    'talk sight sound smoke fear hope part edge heart end loss return death arrival leader head tale story song cry ' +
    'call voice echo shadow ruin rest remains bulk half none lack want fate memory name pride flower cream dregs'
  ).split(' '),
);

/**
 * Looks like a plural common noun ("Ships", "Envoys", "Horses"), which a sentence start
 * capitalises; an s after a, i, o or u is a name's as often ("Tomas", "Maelis", "Cassius").
 */
function plural(t: Token): boolean {
  const w = t.lower;
  if (w.length < 3 || w.charCodeAt(w.length - 1) !== 115) return false;
  const c = w.charCodeAt(w.length - 2);
  return c !== 115 && c !== 97 && c !== 105 && c !== 111 && c !== 117;
}

/** Epithet words that are also titles: "Harrow the Elder", "Tomas the Old". */
const EPITHET_TITLES = new Set(['elder', 'old']);

/**
 * "Tomas the Red", "Garrick the Younger", "Mabb the Butcher": a person's name of one or two words
 * (no joiner, no possessive, no type cue at its end) with "the" and one capitalised word no hit
 * covers is one name. The epithet must end the run and be no type cue or title ("gave Odrun the
 * Crown", "told Veyla the Magistrate had fled"); two capitalised words after "the" are another name.
 * `the` is the index of "the"; the name's tokens are [runStart, the).
 */
function epithetThe(tokens: Token[], runStart: number, the: number, coveredTok: (i: number) => boolean): boolean {
  const n = the - runStart;
  if (n <= 0 || n > 2 || tokens[the]?.lower !== 'the') return false;
  for (let j = runStart; j < the; j++) {
    const w = tokens[j] as Token;
    if (!w.cap || JOIN.has(w.lower) || coveredTok(j)) return false;
  }
  if (typeCueKey((tokens[the - 1] as Token).lower) || gapBefore(tokens, the)) return false;
  for (let k = runStart + 1; k < the; k++) if (gapBefore(tokens, k)) return false;
  const e = the + 1;
  const ep = tokens[e];
  if (!ep || gapBefore(tokens, e) || !capWord(tokens, e, coveredTok(e)) || typeCueKey(ep.lower)) return false;
  if (TITLES.has(ep.lower) && !EPITHET_TITLES.has(ep.lower)) return false;
  const after = tokens[e + 1];
  return (
    !(after?.cap && !gapBefore(tokens, e + 1)) &&
    !(after && (after.start - ep.end === 2 || after.start - ep.end === 3) && after.cap)
  );
}

/**
 * "the Compact of Ash and Embers", "the Order of Flame and Shadow": "and" continues an "of" name
 * when one capitalised word stands between "of [the]" and it (a world word too: "the Brotherhood
 * of Iron and Ash"), and one capitalised word no hit covers follows it and ends the run. "the Guild of Lamplighters and Veyla Strand" (two words
 * after "and"), "the Treaty of Reeds and the Accord of Thorns" ("the" after it) and "the Court of
 * Lowmarket and Brackwater" (a whole world name after it) stay lists.
 */
function andInOfName(
  sentence: string,
  tokens: Token[],
  runStart: number,
  i: number,
  coveredTok: (i: number) => boolean,
  lexicon: Lexicon,
): boolean {
  // the run is [runStart, i)
  if (i - runStart < 3 || coveredTok(i)) return false;
  const before = tokens[i - 2] as Token;
  const of = before.lower === 'the' ? tokens[i - 3] : before;
  if (of?.lower !== 'of' || !(tokens[i - 1] as Token).cap) return false;
  if (punctuationBefore(sentence, tokens, i) || i + 1 >= tokens.length || punctuationBefore(sentence, tokens, i + 1))
    return false;
  const next = tokens[i + 1] as Token;
  // A word of a world name matched alone ("Iron" of the Iron Tithe) may end the name; a whole world name is a list item
  if (!capWord(tokens, i + 1, coveredTok(i + 1) && wholeWorldName(lexicon, next.lower)) || TITLES.has(next.lower)) return false;
  const after = tokens[i + 2];
  return !(after?.cap && !punctuationBefore(sentence, tokens, i + 2));
}

/** A world name of this one word ("Brackwater"), not a word matched alone from a longer one ("Iron"). */
function wholeWorldName(lexicon: Lexicon, lower: string): boolean {
  const patterns = lexicon.entityPatterns.get(lower);
  if (patterns === undefined) return false;
  for (const p of patterns) if (p.keys.length === 1) return true;
  return false;
}

/**
 * Verbs of speech and gesture whose subject, opening a sentence, is a person (not "growled",
 * "hissed", "whispered": thunder, fire and wind do those too).
 */
const SPEECH_VERBS = new Set(
  (
    'said says asked asks cried cries shouted shouts laughed laughs nodded nods smiled smiles replied replies ' +
    'answered answers sighed sighs shrugged shrugs grinned grins frowned frowns muttered mutters swore swears ' +
    'insisted insists scowled scowls snorted snorts chuckled chuckles winced winces'
  ).split(' '),
);
/** Common nouns that are plural without an s and speak in prose ("Men shouted"). */
const PLURAL_PEOPLE = new Set(['men', 'women', 'children', 'people', 'folk', 'folks', 'kin', 'gentry', 'clergy']);

/**
 * "Tamsin laughed.", '"Seized Harrowgate?" Ragna snorted.': a sentence- or quote-initial word
 * right before a speech or gesture verb is its speaker, so a name, even alone: not a common opener
 * (the caller checks), title, world word, plural ("Guards shouted") or people noun ("Men cried").
 */
function speakerOpener(tokens: Token[], i: number, coveredTok: (i: number) => boolean, lexicon: Lexicon): boolean {
  const t = tokens[i] as Token;
  if (!speechVerbAfter(tokens, i)) return false;
  if (coveredTok(i) || TITLES.has(t.lower) || lexicon.nameTokens.has(t.lower) || plural(t) || PLURAL_PEOPLE.has(t.lower))
    return false;
  return t.lower.length >= 3;
}

/** Token i+1 is a speech or gesture verb one space after token i ("Tamsin laughed"). */
export function speechVerbAfter(tokens: Token[], i: number): boolean {
  const v = tokens[i + 1];
  return !!v && !v.cap && !gapBefore(tokens, i + 1) && SPEECH_VERBS.has(v.lower);
}

/** Lower-case particles inside a person's name ("van Horn", "de Vasse", "ap Rhys"). */
const PARTICLES = new Set(['van', 'von', 'de', 'du', 'da', 'di', 'del', 'della', 'der', 'den', 'le', 'la', 'ibn', 'ap']);

/**
 * "Aldric van Horn", "Merrin de Vasse": a lower-case particle continues a person's name of one or
 * two capitalised words (no joiner in it) when, with no punctuation either side, a capitalised
 * word no hit covers and no title follows it (or another particle and such a word: "de la Cruz").
 */
function particleInName(
  sentence: string,
  tokens: Token[],
  runStart: number,
  i: number,
  coveredTok: (i: number) => boolean,
): boolean {
  // the run is [runStart, i)
  if (i - runStart > 3 || i + 1 >= tokens.length) return false;
  for (let j = runStart; j < i; j++) {
    const w = tokens[j] as Token;
    if (JOIN.has(w.lower) || !(w.cap || PARTICLES.has(w.lower))) return false;
  }
  if (punctuationBefore(sentence, tokens, i) || punctuationBefore(sentence, tokens, i + 1)) return false;
  // "Tomas de la Cruz": a second particle
  const at =
    PARTICLES.has((tokens[i + 1] as Token).lower) && i + 2 < tokens.length && !punctuationBefore(sentence, tokens, i + 2)
      ? i + 2
      : i + 1;
  return capWord(tokens, at, coveredTok(at)) && !TITLES.has((tokens[at] as Token).lower);
}

/**
 * "the Harrowgate Watch", "the Velmoor Road", "the Cinderhold Forge": a world settlement or region
 * written right before a new name's first word (one space, after "the") is part of that name, a
 * group or place named after it, not a separate word: the run alone ("Watch") is no name. The
 * world place is still matched. Returns the token where the place starts, else -1. Only after
 * "the": "in Harrowgate Veyla waited" is two names.
 */
function placeModifierStart(
  sentence: string,
  tokens: Token[],
  coveredTok: (i: number) => boolean,
  lexicon: Lexicon,
  first: number,
): number {
  const last = first - 1;
  if (last < 1 || !coveredTok(last) || punctuationBefore(sentence, tokens, first)) return -1;
  let from = last;
  while (from > 0 && coveredTok(from - 1)) from--;
  if (tokens[from - 1]?.lower !== 'the') return -1;
  for (let k = from + 1; k <= last; k++) if (punctuationBefore(sentence, tokens, k)) return -1;
  const patterns = lexicon.entityPatterns.get((tokens[from] as Token).lower);
  if (!patterns || !(tokens[from] as Token).cap) return -1;
  const n = last - from + 1;
  for (const p of patterns) {
    if (p.keys.length !== n) continue;
    let same = true;
    for (let k = 1; k < n; k++) if (p.keys[k] !== (tokens[from + k] as Token).lower) same = false;
    const type = lexicon.entities[p.ref]?.entityType;
    if (same && (type === 'settlement' || type === 'region')) return from;
  }
  return -1;
}
