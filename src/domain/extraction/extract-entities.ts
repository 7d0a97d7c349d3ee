import { KeyFilter } from '../text/key-filter.js';
import { equalsRange } from '../text/ranges.js';
import { sentenceBounds } from '../text/sentences.js';
import { type Token, TokenBuffer, tokenize } from '../text/tokens.js';
import { annotationEntityType, type EntityAnnotation, readAnnotations } from '../transcript/annotations.js';
import type { SanitisedTranscript } from '../transcript/types.js';
import type { Turn } from '../types.js';
import { slugify, type WorldEntity } from '../world/types.js';
import {
  type ClaimSentence,
  claimChanges,
  completedBy,
  confirmingSentence,
  correctedBy,
  correctedClaim,
  ALSO_WORDS,
  alsoPlaces,
  askedWho,
  gainerInAnswer,
  whoAnswer,
} from './confirmed-claims.js';
import { detectChanges, mayReferToPlace, type TypedHit } from './detect-changes.js';
import { withdrawDeniedReports } from './denied-reports.js';
import { withdrawRefutedReports } from './refuted-reports.js';
import { referredPlaceType } from './place-references.js';
import { SceneState } from './scene-state.js';
import { type Conflict, conflictOf, peopleSubject, pronounGivesWay } from './aggressors.js';
import { describedFaction } from './faction-descriptions.js';
import { attackerOf, claimantOf, type FallReference, unclaimedChange, unclaimedReference } from './unclaimed-changes.js';
import { findNewNames, needsTagging } from './find-new-names.js';
import { HEDGE_AFTER, HEDGE_PHRASES, HEDGE_WORDS, REPORT_THAT_VERBS, REPORT_WORDS } from './hedges.js';
import type { Lexicon } from './lexicon.js';
import { type LexiconHit, matchCapabilities, matchEntities } from './match-sentence.js';
import { findNameRuns, type NameRun } from './name-spans.js';
import type { PosTagger } from './pos-tagger.js';
import { mergeCapabilityRefs, resolveCapabilityId } from './resolve-capabilities.js';
import { actingFor, typedWithMemberForces } from './member-forces.js';
import { guessEntityType, TITLES } from './type-guess.js';
import type {
  CapabilityRef,
  EntityMention,
  ExtractionResult,
  MatchType,
  MentionSource,
  NewEntityCandidate,
  ProposedChange,
} from './types.js';
import { dropSupersededUnnamedLosses } from './unnamed-losses.js';

/** `annotation`: the game server's own NER named it (`metadata.entities`), resolved to a world entity. */
export const MATCH_CONFIDENCE: Record<MatchType, number> = { canonical: 0.95, alias: 0.85, annotation: 0.9, fuzzy: 0.55 };
export const HEDGE_PENALTY = 0.3;
export const DEFAULT_MIN_CONFIDENCE = 0.4;

export interface ExtractEntitiesInput {
  sanitised: SanitisedTranscript;
  lexicon: Lexicon;
  sessionId: string;
  minConfidence?: number;
  newId: () => string;
  /**
   * New-name detection. Default: capitalisation spans decided by word lists and the
   * transcript's own casing (name-spans.ts, no tagger). A PosTagger: the older path that
   * tags every sentence with an unlisted capitalised word. `null` disables detection.
   */
  tagger?: PosTagger | null;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Slugs of the world's canonical names, per lexicon: built once per world, not per session. */
const CANONICAL_SLUGS = new WeakMap<Lexicon, ReadonlySet<string>>();
function canonicalSlugs(lexicon: Lexicon): ReadonlySet<string> {
  let slugs = CANONICAL_SLUGS.get(lexicon);
  if (!slugs) {
    slugs = new Set(lexicon.entities.map((e) => slugify(e.canonicalName)));
    CANONICAL_SLUGS.set(lexicon, slugs);
  }
  return slugs;
}

/** Shared empty results: most sentences name no entity, so they allocate nothing here. */
const NO_RUNS: readonly NameRun[] = Object.freeze([]);
const NO_FOUND: readonly FoundRun[] = Object.freeze([]);
const NO_TYPED: TypedHit[] = Object.freeze([]) as unknown as TypedHit[];
const NO_HITS: LexiconHit[] = Object.freeze([]) as unknown as LexiconHit[];
const NO_MATCHES: Array<EntityMention['match']> = Object.freeze([]) as unknown as Array<EntityMention['match']>;
/** The change list of every mention without one: shared (mentions' lists are read, never changed). */
const NO_CHANGES: ProposedChange[] = Object.freeze([]) as unknown as ProposedChange[];

/** Change detection's result for one sentence and its antecedents, with where each change's cue stands. */
interface SentenceChanges {
  changes: ReadonlyMap<string, ProposedChange[]>;
  /**
   * Char offset in the sentence of the cue behind each entity's change (for the quotation
   * check). Offsets, not token indices: a repeat then needs no tokens to check quotation.
   * Flat [entity id, offset, ...] pairs in the order the entities first changed: read by index,
   * where iterating a Map allocated an entry per step.
   */
  cueAt: ReadonlyArray<string | number>;
  /**
   * Every changed entity when the sentence has a reporting verb (isReported), else null: it
   * depends on the sentence only, so it is read once with the tokens at hand, not per repeat.
   */
  reportedAll: ReadonlySet<string> | null;
}
const NO_SENTENCE_CHANGES: SentenceChanges = { changes: new Map(), cueAt: Object.freeze([]), reportedAll: null };

/**
 * A place that fell to a taker found outside the sentence's own change cues (unclaimed-changes.ts):
 * the sentence's one change, its cue at `cueStart` (char offset), reported when the sentence is.
 */
function fellTo(placeId: string, takerId: string, cueStart: number, tokens: Token[]): SentenceChanges {
  const change: ProposedChange = { kind: 'control', field: 'controlledBy', to: takerId, from: null, verb: 'fell' };
  return {
    changes: new Map([[placeId, [change]]]),
    cueAt: [placeId, cueStart],
    reportedAll: isReported(tokens) ? new Set([placeId]) : null,
  };
}

/**
 * The token index of each changed entity's cue, as detectChanges sets it: one per entity, the
 * last set winning, in the order entities were first set (as a Map keeps them). Reused for
 * every sentence: entries past `count` are stale.
 */
class CueTokens {
  readonly ids: string[] = [];
  readonly tokens: number[] = [];
  count = 0;

  clear(): void {
    this.count = 0;
  }

  /** Some entity's cue is token `at`. */
  has(at: number): boolean {
    for (let i = 0; i < this.count; i++) if (this.tokens[i] === at) return true;
    return false;
  }

  set(id: string, at: number): void {
    for (let i = 0; i < this.count; i++)
      if (this.ids[i] === id) {
        this.tokens[i] = at;
        return;
      }
    this.ids[this.count] = id;
    this.tokens[this.count] = at;
    this.count++;
  }
}

/** detectChanges with its cue positions; `scratch` is reused, copied only when something changed. */
function changesOf(
  sentence: string,
  tokens: Token[],
  typed: TypedHit[],
  antecedent: TypedHit | null,
  place: TypedHit | null,
  scratch: CueTokens,
): SentenceChanges {
  scratch.clear();
  const changes = detectChanges(sentence, tokens, typed, antecedent, place, scratch);
  if (changes.size === 0) return NO_SENTENCE_CHANGES;
  const cueAt: Array<string | number> = new Array(2 * scratch.count);
  for (let i = 0; i < scratch.count; i++) {
    cueAt[2 * i] = scratch.ids[i] as string;
    cueAt[2 * i + 1] = (tokens[scratch.tokens[i] as number] as Token).start;
  }
  return { changes, cueAt, reportedAll: isReported(tokens, scratch) ? new Set(changes.keys()) : null };
}

/**
 * Change detection results of one sentence by its other inputs, the antecedent faction id and
 * the place id ('' for none): a flat [faction, place, result, ...] list. A sentence meets
 * only a few such pairs, so a scan beats the two levels of Maps this replaced (about 9,000
 * Maps held for the whole call at 10k turns, copied by every young-generation collection).
 */
type ChangesByContext = Array<string | SentenceChanges>;

function cachedChanges(list: ChangesByContext, faction: string, place: string): SentenceChanges | undefined {
  for (let i = 0; i < list.length; i += 3)
    if (list[i] === faction && list[i + 1] === place) return list[i + 2] as SentenceChanges;
  return undefined;
}

/**
 * Quotation state of one turn's text, read forward: a quotation may span sentences
 * ('"Lowmarket has fallen. The Tithe took it," she says.'), so the state at a cue depends on
 * everything before it in the turn. Sentences are visited in order, so the state is carried
 * from one to the next instead of re-read from the turn's start for each cue.
 * Double quotes and ‘…’ count; a straight single quote is too often an apostrophe.
 */
class QuoteState {
  pos = 0;
  double = false;
  single = false;

  reset(): void {
    this.pos = 0;
    this.double = false;
    this.single = false;
  }

  /** Reads text[pos, to): `to` must not be before `pos`. */
  advance(text: string, to: number): void {
    let double = this.double;
    let single = this.single;
    for (let p = this.pos; p < to; p++) {
      const c = text.charCodeAt(p);
      if (c === 34) double = !double;
      else if (c === 0x201c) double = true;
      else if (c === 0x201d) double = false;
      else if (c === 0x2018) single = true;
      else if (c === 0x2019 && single && !/\p{L}/u.test(text[p + 1] ?? '')) single = false;
    }
    this.pos = to;
    this.double = double;
    this.single = single;
  }
}

/**
 * Entities whose change cue stands inside a quotation: dialogue reports what a character
 * says. `quotes` has read the turn up to the sentence's start `base` (or less); each cue is
 * read on from there on a copy.
 */
function quotedEntities(
  text: string,
  base: number,
  cueAt: ReadonlyArray<string | number>,
  quotes: QuoteState,
  probe: QuoteState,
): Set<string> | null {
  quotes.advance(text, base);
  let out: Set<string> | null = null;
  for (let i = 0; i < cueAt.length; i += 2) {
    probe.pos = quotes.pos;
    probe.double = quotes.double;
    probe.single = quotes.single;
    probe.advance(text, base + (cueAt[i + 1] as number));
    if (probe.double || probe.single) (out ??= new Set()).add(cueAt[i] as string);
  }
  return out;
}

/** A claim sentence that asks who ("Who took Lowmarket?"): whoAnswer is read for it. */
const WHO_OPENS = /^\s*["\u201c]?who\b/i;

const HEDGE_FILTER = new KeyFilter(HEDGE_WORDS);
const HEDGE_AFTER_FILTER = new KeyFilter(HEDGE_AFTER.keys());
const REPORT_FILTER = new KeyFilter(REPORT_WORDS);
const REPORT_THAT_FILTER = new KeyFilter(REPORT_THAT_VERBS);
/** After a reporting verb, words that make it report nothing: "swore fealty", "swore an oath", "declared for the Tithe", "declared war". */
const SWORN_OBJECTS = new Set(['fealty', 'allegiance', 'an', 'oaths', 'vengeance', 'loyalty', 'for', 'war']);

/**
 * A reporting verb ("say", "swears", "reported"), or a verb with a "that" complement that
 * passes on a claim ("she adds that", "he warns you that"): the sentence passes on someone's claim.
 * A word that is itself a change's cue (`cues`) is the change, not a report of it: "claimed" in
 * "the Order of Thal claimed the Glasswater marsh" takes the marsh (spec 5 lists it among the
 * verbs of taking), where "a sailor claimed the Order lost it" passes on a claim.
 */
function isReported(tokens: Token[], cues?: CueTokens): boolean {
  for (let i = 0; i < tokens.length; i++) {
    const w = (tokens[i] as Token).lower;
    if (cues?.has(i)) continue;
    // "swore fealty to the Tithe", "declared for the Court": an oath, not a report ("a fisherman swears the Tithe took it" is)
    if (REPORT_FILTER.mayHave(w) && REPORT_WORDS.has(w) && !SWORN_OBJECTS.has(tokens[i + 1]?.lower ?? '')) return true;
    if (
      REPORT_THAT_FILTER.mayHave(w) &&
      REPORT_THAT_VERBS.has(w) &&
      (tokens[i + 1]?.lower === 'that' || tokens[i + 2]?.lower === 'that')
    )
      return true;
  }
  return false;
}

const PHRASES_BY_FIRST = new Map<string, string[][]>();
for (const p of HEDGE_PHRASES) PHRASES_BY_FIRST.set(p[0] as string, [...(PHRASES_BY_FIRST.get(p[0] as string) ?? []), p]);
const PHRASE_FILTER = new KeyFilter(PHRASES_BY_FIRST.keys());

/** The words of `phrase` start at token i. A plain loop: a callback per check showed as garbage. */
function phraseAt(tokens: Token[], i: number, phrase: string[]): boolean {
  if (i + phrase.length > tokens.length) return false;
  for (let k = 0; k < phrase.length; k++) if ((tokens[i + k] as Token).lower !== phrase[k]) return false;
  return true;
}

/** Hedge words ("rumoured") or reporting phrases ("some say", "word is", "according to"). */
function isHedged(tokens: Token[]): boolean {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (HEDGE_FILTER.mayHave(t.lower) && HEDGE_WORDS.has(t.lower)) return true;
    if (i > 0 && HEDGE_AFTER_FILTER.mayHave(t.lower) && HEDGE_AFTER.get(t.lower)?.has((tokens[i - 1] as Token).lower))
      return true;
    if (!PHRASE_FILTER.mayHave(t.lower)) continue;
    const list = PHRASES_BY_FIRST.get(t.lower);
    if (list) for (let p = 0; p < list.length; p++) if (phraseAt(tokens, i, list[p] as string[])) return true;
  }
  return false;
}

/**
 * The most confident hit per entity, in the order entities are first named. A sentence has
 * a handful of hits, so a linear scan beats allocating a Map per sentence. Hits that each name
 * another entity (most sentences) are their own answer: `hits` itself, no copy (callers read it).
 */
export function bestHitPerEntity(hits: LexiconHit[]): LexiconHit[] {
  if (!repeatsEntity(hits)) return hits;
  const best: LexiconHit[] = [];
  for (let i = 0; i < hits.length; i++) {
    const h = hits[i] as LexiconHit;
    let at = -1;
    for (let j = 0; j < best.length && at < 0; j++) if ((best[j] as LexiconHit).ref === h.ref) at = j;
    if (at < 0) best.push(h);
    else if (MATCH_CONFIDENCE[h.matchType] > MATCH_CONFIDENCE[(best[at] as LexiconHit).matchType]) best[at] = h;
  }
  return best;
}

/** Does an entity have more than one hit? */
function repeatsEntity(hits: LexiconHit[]): boolean {
  for (let i = 1; i < hits.length; i++)
    for (let j = 0; j < i; j++) if ((hits[j] as LexiconHit).ref === (hits[i] as LexiconHit).ref) return true;
  return false;
}

/** Capability ids attached to a turn by metadata or by change-feed events naming the turn. */
const NONE: readonly string[] = Object.freeze([]);
const NO_CAPS: CapabilityRef[] = Object.freeze([]) as unknown as CapabilityRef[];
function turnCapabilityIds(turn: Turn, feedByTurn: Map<string, string[]>): readonly string[] {
  const raw = turn.metadata.capabilityRefs;
  const feed = feedByTurn.size > 0 ? feedByTurn.get(turn.turnId) : undefined;
  if (!Array.isArray(raw) && !feed) return NONE; // the common case: no allocation
  const meta = Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : [];
  return feed ? [...meta, ...feed] : meta;
}

/**
 * One mention. Two literals instead of a conditional spread: the optional `hedged` key keeps
 * its place in the JSON, and each literal keeps one object shape (a spread took the slow path).
 */
function mentionOf(
  e: WorldEntity,
  match: EntityMention['match'],
  confidence: number,
  sentence: string,
  source: MentionSource,
  proposedChanges: ProposedChange[],
  hedged: boolean,
  mentionId: string,
  capabilityRefs: CapabilityRef[],
  context: EntityMention['context'],
): EntityMention {
  const { entityId, entityType, canonicalName } = e;
  // capabilityRefs: shared, never mutated; merging replaces the array (saves one per mention).
  // Two literals, not `...(hedged ? { hedged: true } : {})`: the spread cost a measurable share of
  // extraction, and each literal keeps one object shape (unhedged mentions have no `hedged` key).
  if (hedged)
    return {
      mentionId,
      entityId,
      entityType,
      canonicalName,
      match,
      confidence,
      sentence,
      source,
      proposedChanges,
      hedged: true,
      capabilityRefs,
      context,
    };
  return {
    mentionId,
    entityId,
    entityType,
    canonicalName,
    match,
    confidence,
    sentence,
    source,
    proposedChanges,
    capabilityRefs,
    context,
  };
}

/** A hit's `match` as a mention shows it; shared by the mentions of a sentence's repeats (never changed). */
function matchOf(h: LexiconHit): EntityMention['match'] {
  return { type: h.matchType, value: h.value };
}

function sourceOf(sessionId: string, turn: Turn, sentenceIndex: number): MentionSource {
  return { sessionId, sceneId: turn.sceneId, turnId: turn.turnId, speaker: turn.speaker, sentenceIndex };
}

function typedHits(lexicon: Lexicon, hits: LexiconHit[]): TypedHit[] {
  return hits.map((h) => {
    const e = lexicon.entities[h.ref];
    return { entityId: e?.entityId ?? '', entityType: e?.entityType ?? '', startTok: h.startTok, endTok: h.endTok };
  });
}

/** Field-by-field equality of two changes; equal exactly when their JSON is (fixed shapes). */
function sameChange(a: ProposedChange, b: ProposedChange): boolean {
  if (a.kind === 'control') return b.kind === 'control' && a.to === b.to && a.from === b.from && a.verb === b.verb;
  return b.kind === 'status' && a.to === b.to && a.cue === b.cue;
}

export function sameChanges(a: readonly ProposedChange[], b: readonly ProposedChange[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameChange(a[i] as ProposedChange, b[i] as ProposedChange)) return false;
  return true;
}

/**
 * Where each fact (entity + proposed changes) first landed in the mention list. Keyed by
 * entity id (the world's own strings, hashed once) with a short list of change sets per
 * entity, instead of a JSON string per mention that had to be built and hashed. A list is
 * bounded by the world (verbs x factions x cues), not by the transcript, so cost stays linear.
 */
export class FactIndex {
  private readonly byEntity = new Map<string, Array<{ changes: readonly ProposedChange[]; at: number }>>();

  find(entityId: string, changes: readonly ProposedChange[]): number | undefined {
    for (const f of this.byEntity.get(entityId) ?? []) if (sameChanges(f.changes, changes)) return f.at;
    return undefined;
  }

  add(entityId: string, changes: readonly ProposedChange[], at: number): void {
    const list = this.byEntity.get(entityId);
    if (list) list.push({ changes, at });
    else this.byEntity.set(entityId, [{ changes, at }]);
  }
}

/**
 * What depends only on a sentence's text (and the lexicon): shared by its repetitions, never
 * mutated. The tokens themselves are not kept: held for the whole call they were most of the
 * heap that survived young-generation collections, and the GC's largest cost at 10k turns.
 */
interface SentenceFacts {
  /** The sentence, sliced on its first occurrence; repeats use this string instead of slicing. */
  text: string;
  tokenCount: number;
  hits: LexiconHit[];
  /**
   * Every hit, weak ones included, while keepNamed drops a weak hit whose entity the transcript
   * has not named yet ("the kiters" before "the Kite Guild"); null when nothing was dropped. A
   * repeat after the naming keeps them (refreshNamed).
   */
  unnamed: LexiconHit[] | null;
  caps: CapabilityRef[];
  hedged: boolean;
  typed: TypedHit[] | null;
  /** The faction a "they" in a later sentence refers to (leadFaction). */
  lead: TypedHit | null;
  /** `typed` as change detection reads it: a character named without any faction acts for its own (actingFor). */
  actors: TypedHit[] | null;
  /** Its last faction, which a later "the latter" refers to (null when it names none). */
  last: TypedHit | null;
  /** It says "the latter": its pronouns mean the last faction named before, not the first. */
  latter: boolean;
  /** It has an "it", "them", "out" or place noun: it may change a place named earlier (mayReferToPlace). */
  placeRef: boolean;
  /** The kind of place its first place noun stands for ('' for "it"/"them" only): see referredPlaceType. */
  placeType: 'settlement' | 'region' | '' | null;
  /** attackerOf and unclaimedChange of its hits, on first need (undefined until then): repeats skip the scans. */
  attacker: TypedHit | null | undefined;
  fallen: TypedHit | null | undefined;
  /**
   * The faction its descriptions name by the faction's own words ("the knights", "the smiths"):
   * see faction-descriptions.ts; read only for a sentence that may change a place.
   */
  described: string | null;
  /** Its subject is a town's own people ("Harrowgate's militia manned the walls"): see peopleSubject. */
  people: boolean;
  /** It has the antecedent give way or leave without naming it ("Gone south with their fleet."): see pronounGivesWay. */
  gaveWay: boolean;
  /** conflictOf its hits (who attacks, who gives way), on first need in a narrator's turn. */
  conflict: Conflict | undefined;
  /** unclaimedReference of its text ("the town was taken"), on first need: it depends on the words only. */
  fallRef: FallReference | null | undefined;
  /**
   * The call's records of the sentence's new-name runs, one per run (NO_FOUND when it has
   * none), once the name finder has looked: a repeat only counts them. The runs themselves are
   * not kept: a record holds its run, and a run the call has found before shares that record.
   */
  found: readonly FoundRun[] | undefined;
  /** Change detection's results by antecedent faction and place ids: they are the only other inputs. */
  changes: ChangesByContext | undefined;
  /**
   * bestHitPerEntity of `hits` and each one's mention `match`, on the first occurrence that
   * names something: repeats share them instead of allocating both per occurrence.
   */
  best: LexiconHit[] | undefined;
  matches: Array<EntityMention['match']> | undefined;
}

/**
 * The call's distinct sentences, found by offsets into the turn text: hashRange over the
 * range, then a char comparison. A Map keyed by the sentence string had to slice every
 * occurrence and hash the new string (V8 hashes each string object once), then compare it with
 * the key: that look-up was the largest single cost of extraction at 10k turns.
 */
class SentenceTable {
  // Open addressing on the sentence hash, linear probing, at most half full: a typed-array
  // probe instead of a Map look-up (number hashing, bucket chain) per sentence occurrence.
  private hashes = new Int32Array(1024);
  private facts: Array<SentenceFacts | undefined> = new Array(1024).fill(undefined);
  private count = 0;

  find(text: string, start: number, end: number, hash: number): SentenceFacts | undefined {
    const mask = this.hashes.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const f = this.facts[slot];
      if (f === undefined) return undefined;
      if (this.hashes[slot] === hash && equalsRange(f.text, text, start, end)) return f;
    }
  }

  add(hash: number, facts: SentenceFacts): void {
    if (2 * (this.count + 1) > this.hashes.length) this.grow();
    this.put(hash, facts);
    this.count++;
  }

  private put(hash: number, facts: SentenceFacts): void {
    const mask = this.hashes.length - 1;
    let slot = hash & mask;
    while (this.facts[slot] !== undefined) slot = (slot + 1) & mask;
    this.hashes[slot] = hash;
    this.facts[slot] = facts;
  }

  private grow(): void {
    const hashes = this.hashes;
    const facts = this.facts;
    this.hashes = new Int32Array(2 * hashes.length);
    this.facts = new Array(2 * hashes.length).fill(undefined);
    for (let i = 0; i < facts.length; i++) {
      const f = facts[i];
      if (f !== undefined) this.put(hashes[i] as number, f);
    }
  }
}

/** Sentence k's hash is also an earlier sentence's of the same turn (`hashes` in turn order). */
function hashSeenBefore(hashes: number[], k: number): boolean {
  const h = hashes[k];
  for (let j = 0; j < k; j++) if (hashes[j] === h) return true;
  return false;
}

/**
 * One pass over a distinct sentence's words (two passes before): does it say "the latter" (and
 * not "the former" after it; its pronouns then mean the last faction named before), and, given a
 * `vocabulary`, the keys of its words written in lower case are added to it: what the "does the
 * transcript write this ambiguous opener in lower case too" check reads after the scan. Read
 * once per distinct sentence (a repeat has the same words), instead of keeping each sentence's
 * lower-case words for the whole call and scanning them again on every occurrence.
 */
function readWords(tokens: Token[], vocabulary: Set<string> | null): boolean {
  let latter = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const lower = t.lower;
    // Length first: a string comparison per token was a call for every word.
    // The later of "the latter" / "the former" decides: "When the latter faltered, the former seized Prismwell".
    if (lower.length === 6 && i > 0 && (lower === 'latter' || lower === 'former') && (tokens[i - 1] as Token).lower === 'the')
      latter = lower === 'latter';
    if (vocabulary !== null && !t.cap) vocabulary.add(lower);
  }
  return latter;
}

const SUBORDINATORS = new Set([
  'while',
  'whilst',
  'when',
  'as',
  'after',
  'before',
  'although',
  'though',
  'because',
  'since',
  'until',
  'once',
]);

/**
 * The faction a later "they" most likely means: the sentence's first faction, or after an
 * opening subordinate clause the first one of the main clause ("While the Kite Guild argued,
 * the Iron Tithe marched." -> the Iron Tithe).
 */
function leadFaction(sentence: string, tokens: Token[], typed: TypedHit[]): TypedHit | null {
  let from = 0;
  if (SUBORDINATORS.has(tokens[0]?.lower ?? '')) {
    for (let j = 1; j < tokens.length; j++)
      if (sentence.slice((tokens[j - 1] as Token).end, (tokens[j] as Token).start).includes(',')) {
        from = j;
        break;
      }
  }
  let first: TypedHit | null = null;
  for (const h of typed) {
    if (h.entityType !== 'faction') continue;
    if (h.startTok >= from) return h;
    first ??= h;
  }
  return first;
}

/** The sentence's last faction ("the latter" of a later sentence). */
function lastFaction(typed: TypedHit[]): TypedHit | null {
  for (let j = typed.length - 1; j >= 0; j--) if ((typed[j] as TypedHit).entityType === 'faction') return typed[j] as TypedHit;
  return null;
}

/**
 * Lower-case "the kiters" (a weak hit) names the faction only when the transcript has named it
 * before or in the same sentence; `named` (entity refs named so far) grows with the other hits.
 * Decided on a sentence's first occurrence, and again on a repeat once a dropped hit's entity has
 * been named since (SentenceFacts.unnamed): `named` only grows, so a kept hit stays kept.
 */
function keepNamed(hits: LexiconHit[], named: Set<number>, tokens: Token[]): LexiconHit[] {
  let weak = false;
  for (const h of hits) {
    if (h.weak) weak = true;
    else named.add(h.ref);
  }
  return weak ? hits.filter((h) => !h.weak || named.has(h.ref) || weakTaker(hits, h, tokens)) : hits;
}

/**
 * "the corsairs took Lowmarket", "the kiters seized Cinderhold": a weak lower-case group name as
 * the subject of a verb of taking (right after it) whose object is a world name hit after it
 * names the faction without having been named before: generic pirates do not take a world town.
 */
function weakTaker(hits: LexiconHit[], h: LexiconHit, tokens: Token[]): boolean {
  const verb = tokens[h.endTok]?.lower ?? '';
  if (!WEAK_TAKER_VERBS.has(verb)) return false;
  const object = hits.find((o) => !o.weak && o.startTok > h.endTok && o.startTok <= h.endTok + 3);
  return object !== undefined;
}
const WEAK_TAKER_VERBS = new Set(
  'took seized captured overran stormed occupied retook recaptured conquered sacked razed burned torched annexed'.split(' '),
);

/** Has a weak hit that keepNamed dropped from this sentence been named since? */
function namedSince(local: SentenceFacts, named: Set<number>): boolean {
  for (const h of local.unnamed ?? NO_HITS) if (h.weak && named.has(h.ref) && !local.hits.includes(h)) return true;
  return false;
}

/** What a sentence's facts derive from its hits: hedging, typed hits, lead and last faction. */
const IT_WORD = /\bit\b/i;

function settleHits(lexicon: Lexicon, local: SentenceFacts, sentence: string, tokens: Token[]): void {
  local.hedged = local.hits.length > 0 && isHedged(tokens);
  local.typed = local.hits.length > 0 ? typedWithMemberForces(lexicon, typedHits(lexicon, local.hits), sentence, tokens) : null;
  local.lead = local.typed ? leadFaction(sentence, tokens, local.typed) : null;
  local.last = local.typed ? lastFaction(local.typed) : null;
  local.actors = local.typed && local.lead === null ? actingFor(lexicon, local.hits, local.typed) : local.typed;
}

/** The faction the world's canon has controlling a place (a faction does not take what it holds). */
function controllerOf(lexicon: Lexicon, place: TypedHit): string | null | undefined {
  const c = lexicon.entityById.get(place.entityId)?.state.controlledBy;
  return typeof c === 'string' ? c : null;
}

/** Change detection proposes nothing without a region or settlement hit, whatever the antecedent. */
function anyControllable(typed: TypedHit[]): boolean {
  for (const h of typed) if (h.entityType === 'region' || h.entityType === 'settlement') return true;
  return false;
}

/** A distinct new-name run: where it first occurred and how many times. */
interface FoundRun {
  run: NameRun;
  sentence: string;
  source: MentionSource;
  count: number;
}

/**
 * The records of the span path's runs, by name and opener flag: a run joins the first record
 * found with both. Settling reads a record's title and preceding word only for the type guess
 * of the candidate it creates, and only the first record of a name can create one: the name
 * alone (with the opener flag and the transcript's vocabulary, the same for all its records)
 * decides the settled words, the slug and whether it is dropped. Later runs of the name, with
 * whatever title or preceding word, only add to the count, so they need no record of their own
 * (was: one per name, title, preceding word and flag, and a list scan to find it).
 */
class RunRecords {
  // By first word, then a scan of that word's records comparing words: a run's name is a fresh
  // concatenation (a cons string), and a Map keyed by it flattened and hashed it on every look-up
  // (RunRecords.find was half the name finder's self time in the 200-turn llm-prose profile); the
  // words are mostly the tokenizer's interned strings, hashed once ever and compared by pointer.
  // The same records as keying by the name: no word holds a word char after a space (a word is a
  // token's text, then for a possessive the marks before the next word), so the words joined by
  // spaces split back into the same words: equal names have equal words.
  private readonly plain = new Map<string, FoundRun[]>();
  private readonly opener = new Map<string, FoundRun[]>();

  find(run: NameRun): FoundRun | undefined {
    const list = (run.ambiguousFirst ? this.opener : this.plain).get(run.words[0] as string);
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) if (sameWords((list[i] as FoundRun).run.words, run.words)) return list[i];
    return undefined;
  }

  /** Only for a run find() did not know. */
  add(f: FoundRun): void {
    const byFirst = f.run.ambiguousFirst ? this.opener : this.plain;
    const first = f.run.words[0] as string;
    const list = byFirst.get(first);
    if (list) list.push(f);
    else byFirst.set(first, [f]);
  }
}

function sameWords(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface SentenceAnnotation {
  annotation: EntityAnnotation;
  /** Offsets in the sentence. */
  start: number;
  end: number;
}

/**
 * A turn's annotations by sentence index, with offsets into that sentence. A span that no
 * longer spells the name (sanitising changed the text) falls back to the name's first
 * occurrence; a name not found at all goes to the first sentence, without a token range.
 */
function annotationsBySentence(turn: Turn, sentences: string[]): Map<number, SentenceAnnotation[]> | null {
  const list = readAnnotations(turn);
  if (list.length === 0) return null;
  const text = turn.text;
  const offsets: number[] = [];
  let cursor = 0;
  for (const s of sentences) {
    const at = text.indexOf(s, cursor);
    offsets.push(at < 0 ? cursor : at);
    cursor = (at < 0 ? cursor : at) + s.length;
  }
  const lower = text.toLowerCase();
  const out = new Map<number, SentenceAnnotation[]>();
  for (const a of list) {
    let start = -1;
    if (a.span && lower.slice(a.span[0], a.span[1]) === a.name.toLowerCase()) start = a.span[0];
    else start = lower.indexOf(a.name.toLowerCase());
    let k = 0;
    if (start >= 0) for (let i = 0; i < sentences.length; i++) if ((offsets[i] as number) <= start) k = i;
    const base = offsets[k] ?? 0;
    const entry =
      start >= 0
        ? { annotation: a, start: start - base, end: start - base + a.name.length }
        : { annotation: a, start: 0, end: 0 };
    const l = out.get(k);
    if (l) l.push(entry);
    else out.set(k, [entry]);
  }
  return out;
}

/** Tokens overlapping [start, end) of the sentence. */
function tokenRange(tokens: Token[], start: number, end: number): [number, number] {
  let a = -1;
  let b = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.end > start && t.start < end) {
      if (a < 0) a = i;
      b = i + 1;
    }
  }
  return a < 0 ? [0, 0] : [a, b];
}

/** The world entity an annotation names: its entityId, else its name as the lexicon reads it. */
function resolveAnnotation(lexicon: Lexicon, a: EntityAnnotation): number | null {
  if (a.entityId) {
    const at = lexicon.entities.findIndex((e) => e.entityId === a.entityId);
    return at >= 0 ? at : null;
  }
  const tokens = tokenize(a.name);
  const hit = matchEntities(lexicon, tokens).find((h) => h.startTok === 0 && h.endTok === tokens.length);
  return hit && hit.matchType !== 'fuzzy' ? hit.ref : null;
}

/** An unknown annotated name as a candidate run, typed by the annotation. */
function annotationRun(a: EntityAnnotation): NameRun {
  return Object.assign(
    { words: tokenize(a.name).map((t) => t.text), title: null, precedingWord: null, ambiguousFirst: false },
    {
      name: a.name.replace(/^the\s+/i, ''),
      guess: { entityType: annotationEntityType(a.type), cue: 'annotation' },
      entityId: a.entityId,
      annotated: true,
    },
  );
}

/**
 * Stage 3 (spec 5). Per sentence: lexicon hits (canonical 0.95 / alias 0.85 / fuzzy 0.55,
 * minus 0.3 when hedged), change cues, prohibited capabilities; then new proper names via
 * the POS tagger on the few sentences the pre-filter lets through.
 */
export function extractEntities(input: ExtractEntitiesInput): ExtractionResult {
  const { sanitised, lexicon, sessionId, newId } = input;
  const min = input.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const useTagger = input.tagger !== null;
  const mentions: EntityMention[] = [];
  const facts = new FactIndex();
  const unattached: ExtractionResult['unattachedCapabilityRefs'] = [];
  const candidates = new Map<string, NewEntityCandidate>();
  const pcName = sanitised.metadata.character?.name;
  // Not new: the player character (its name, and each part of it: "Kestrel" alone is the
  // player character Kestrel Vane too), and anything the world already names (per lexicon).
  const pcSlugs = new Set<string>();
  if (typeof pcName === 'string') {
    pcSlugs.add(slugify(pcName));
    for (const part of pcName.split(/\s+/)) if (part.length >= 3) pcSlugs.add(slugify(part));
  }
  const worldSlugs = canonicalSlugs(lexicon);
  const feedByTurn = new Map<string, string[]>();
  for (const ev of sanitised.safetyEvents) {
    if (ev.turnId && ev.capabilityRefs.length > 0)
      feedByTurn.set(ev.turnId, [...(feedByTurn.get(ev.turnId) ?? []), ...ev.capabilityRefs]);
  }
  // New names, settled into candidates after the scan; runs are cached with the sentence's
  // other facts (SentenceFacts.runs), for the span path and the POS path alike.
  // By run, in order of first occurrence: a repeated sentence repeats its cached runs, and
  // settling depends only on the run (and what the whole transcript shows), so each distinct
  // run is settled once with its first sentence and source and its number of occurrences.
  const found: FoundRun[] = [];
  const runRecords = new RunRecords();
  // Every word the transcript writes in lower case (in sentences of two or more tokens, where
  // the name finder runs): an ambiguous opener it holds is an ordinary word ("Suddenly").
  const lowerVocabulary = new Set<string>();
  const posTagger = input.tagger ?? null;
  // Token i is inside a hit of the sentence the name finder reads (0 past its tokens, like coveredBy).
  let cover = new Uint8Array(64);
  const coveredTok = (i: number): boolean => cover[i] === 1;
  const nameRuns = (sentence: string, tokens: Token[], hits: LexiconHit[]): readonly NameRun[] => {
    if (posTagger) {
      const spans: Array<[number, number]> = hits.map((h) => [
        (tokens[h.startTok] as Token).start,
        (tokens[h.endTok - 1] as Token).end,
      ]);
      return findNewNames(sentence, spans, lexicon, posTagger).map((n) => ({
        words: n.words,
        title: n.title,
        precedingWord: null,
        ambiguousFirst: false,
        name: n.name,
        guess: { entityType: n.entityType, cue: n.cue },
      }));
    }
    // Hits marked in the call's cover mask for the finder, then unmarked: one closure for the
    // call and a load per test, instead of a closure per sentence scanning the hits per test.
    if (cover.length <= tokens.length) cover = new Uint8Array(2 * tokens.length + 2);
    for (const h of hits) for (let i = h.startTok; i < h.endTok; i++) cover[i] = 1;
    const runs = findNameRuns(sentence, tokens, coveredTok, lexicon);
    for (const h of hits) for (let i = h.startTok; i < h.endTok; i++) cover[i] = 0;
    return runs;
  };
  const sentenceTable = new SentenceTable();
  // Entities named so far by a hit that needs no earlier naming (keepNamed).
  const named = new Set<number>();
  // The current sentence's tokens, reused for the next one (TokenBuffer): nothing keeps a
  // sentence's tokens past it, and annotations tokenize their names with plain `tokenize`.
  // Read from the turn by the sentence's bounds (tokenizeRange): the turn is a flat string,
  // cheaper to read char by char than the sentence sliced from it.
  const sentenceTokens = new TokenBuffer();
  // Per-turn scratch, reused: sentence offsets, their hashes, and the facts already known.
  const bounds: number[] = [];
  const hashes: number[] = [];
  const known: Array<SentenceFacts | undefined> = [];
  // This sentence's tokens when a step needs them and the sentence's first occurrence did not read them.
  const tokensAt = (text: string, k: number): Token[] =>
    sentenceTokens.tokenizeRange(text, bounds[2 * k] as number, bounds[2 * k + 1] as number);

  const push = (m: EntityMention) => {
    // Same fact seen twice: keep the more confident mention (spec 5). A mention without a
    // change is already unique per entity and sentence, so only changes need a key.
    if (m.proposedChanges.length === 0) {
      mentions.push(m);
      return;
    }
    const at = facts.find(m.entityId, m.proposedChanges);
    if (at === undefined) {
      facts.add(m.entityId, m.proposedChanges, mentions.length);
      mentions.push(m);
    } else if ((mentions[at] as EntityMention).confidence < m.confidence) {
      mentions[at] = m;
    }
  };

  /**
   * "Did the Kite Guild take Cinderhold?" / "They did.": when the GM's turn opens by confirming
   * the player's claims, their changes are the GM's (sourced in the GM's first sentence), except
   * for an entity the GM's own sentences already change. Read only after a player turn that
   * could claim a change, and only when the answer confirms it.
   */
  const confirmedClaims = (pending: ClaimSentence[], sentences: string[], turn: Turn, out: EntityMention[]) => {
    let at = confirmingSentence(sentences);
    // "No. The Thalric Order did.": a denial that names who did it instead
    let corrected: string | null = null;
    // "Who took Lowmarket?" / "The Iron Tithe did.": the faction that answers a who-question
    let who: TypedHit | null = null;
    if (at < 0) {
      const c = correctedClaim(lexicon, sentences);
      // read only when a pending claim asks who: most GM turns after a player's claim answer no question
      const w = c || !pending.some((p) => WHO_OPENS.test(p.sentence)) ? null : whoAnswer(lexicon, sentences);
      if (c) {
        at = c.at;
        corrected = c.gainer;
      } else if (w) {
        at = w.at;
        who = w.gainer;
      } else return;
    }
    const answer = sentences[at] as string;
    // '"Aye, they have," he says': a confirmation in dialogue or reported is itself reported.
    const reported = /["\u201c\u201d]/.test(answer) || isReported(tokenize(answer));
    const gainer = gainerInAnswer(lexicon, answer);
    let confirmed: ProposedChange[] | null = null;
    // The mention the GM's answer makes of a confirmed place; with no earlier sentence, the claim is its context.
    const answerMention = (e: WorldEntity, hit: LexiconHit, changes: ProposedChange[], claimSentence: string | null) => {
      const context = { previous: at > 0 ? (sentences[at - 1] as string) : claimSentence, next: sentences[at + 1] ?? null };
      out.push(
        mentionOf(
          e,
          matchOf(hit),
          MATCH_CONFIDENCE[hit.matchType],
          answer,
          sourceOf(sessionId, turn, at),
          changes,
          reported,
          newId(),
          NO_CAPS,
          context,
        ),
      );
    };
    for (const asked of pending) {
      const claim = who ? askedWho(asked, who) : asked;
      if (!claim) continue;
      for (const [id, claimed] of claimChanges(claim)) {
        if (out.some((m) => m.entityId === id && m.proposedChanges.length > 0)) continue;
        const changes = corrected ? correctedBy(claimed, corrected) : completedBy(claimed, gainer);
        if (changes.length === 0) continue;
        let hit: LexiconHit | undefined;
        for (const h of claim.hits)
          if (
            lexicon.entities[h.ref]?.entityId === id &&
            (!hit || MATCH_CONFIDENCE[h.matchType] > MATCH_CONFIDENCE[hit.matchType])
          )
            hit = h;
        if (!hit && claim.place?.typed.entityId === id) hit = claim.place.hit;
        const e = hit ? lexicon.entities[hit.ref] : undefined;
        if (!hit || !e || MATCH_CONFIDENCE[hit.matchType] < min) continue;
        answerMention(e, hit, changes, claim.sentence);
        confirmed ??= changes;
      }
    }
    // "Yes, and Harrowgate too.": a place the answer adds takes the confirmed change
    if (confirmed && ALSO_WORDS.test(answer))
      for (const h of alsoPlaces(lexicon, answer)) {
        const e = lexicon.entities[h.ref];
        if (!e || out.some((m) => m.entityId === e.entityId && m.proposedChanges.length > 0)) continue;
        answerMention(e, h, confirmed, null);
      }
  };

  // What the scene's sentences so far leave for the next one to refer to (scene-state.ts).
  const scene = new SceneState();
  const scratchCueAt = new CueTokens();
  // The last turn's player sentences that could claim a change (confirmedClaims reads them).
  let claims: ClaimSentence[] = [];
  const quotes = new QuoteState();
  const quoteProbe = new QuoteState();
  for (const turn of sanitised.turns) {
    const text = turn.text;
    // The scan hashes each sentence as it finds it (no second pass to hash the range).
    const count = sentenceBounds(text, bounds, hashes);
    // Strings first (context reads the neighbours): a known sentence's own, else a new slice.
    // Sized once: a first push gives an array room for 17 (a turn has a few sentences).
    const sentences: string[] = new Array(count);
    for (let k = 0; k < count; k++) {
      const start = bounds[2 * k] as number;
      const end = bounds[2 * k + 1] as number;
      const facts = sentenceTable.find(text, start, end, hashes[k] as number);
      known[k] = facts; // entries past `count` are stale, never read
      sentences[k] = facts ? facts.text : text.slice(start, end);
    }
    const annotated = annotationsBySentence(turn, sentences);
    const pendingClaims = claims;
    if (claims.length > 0) claims = [];
    quotes.reset();
    const turnMentions: EntityMention[] = [];
    // Made by the turn's first capability: most turns name none.
    let turnCaps: Array<{ ref: CapabilityRef; source: MentionSource; sentence: string }> | null = null;
    scene.enter(turn); // a pronoun does not reach back into another scene
    for (let k = 0; k < sentences.length; k++) {
      const sentence = sentences[k] as string;
      const notes = annotated?.get(k);
      scene.beginSentence();
      // LLM prose repeats sentences (about 1 in 3 at 10k turns): what depends only on the
      // sentence's text is computed once per distinct sentence. Annotated sentences bypass it.
      // Looked up again when unknown above and an earlier sentence of this turn had its hash:
      // only that one can have been added since (most sentences are new, and skip a second look-up).
      let local = notes
        ? undefined
        : (known[k] ??
          (hashSeenBefore(hashes, k)
            ? sentenceTable.find(text, bounds[2 * k] as number, bounds[2 * k + 1] as number, hashes[k] as number)
            : undefined));
      // This sentence's tokens: fresh on its first occurrence, else only re-read when needed.
      let tokens: Token[] | null = null;
      if (local === undefined) {
        const toks = tokensAt(text, k);
        tokens = toks;
        local = {
          text: sentence,
          tokenCount: toks.length,
          hits: NO_HITS,
          unnamed: null,
          caps: NO_CAPS,
          hedged: false,
          typed: null,
          actors: null,
          lead: null,
          last: null,
          latter: readWords(toks, useTagger && toks.length > 1 ? lowerVocabulary : null),
          placeRef: mayReferToPlace(toks),
          placeType: null,
          attacker: undefined,
          fallen: undefined,
          conflict: undefined,
          described: null,
          people: peopleSubject(sentence, toks),
          gaveWay: pronounGivesWay(toks),
          fallRef: undefined,
          // Declared here, set later: one object shape from the start, every field in-object.
          found: undefined,
          changes: undefined,
          best: undefined,
          matches: undefined,
        };
        for (const h of matchCapabilities(lexicon, toks)) {
          const cap = lexicon.capabilities[h.ref];
          if (cap)
            local.caps = mergeCapabilityRefs(local.caps, [
              { capabilityId: cap.id, severity: cap.severity, known: true, matchedText: h.value },
            ]);
        }
        if (local.placeRef) local.placeType = referredPlaceType(toks);
        const all = matchEntities(lexicon, toks);
        local.hits = keepNamed(all, named, toks);
        if (local.hits.length !== all.length) local.unnamed = all;
        settleHits(lexicon, local, sentence, toks);
        // only a sentence whose tokens read a place noun, a place pronoun or a place may change a place
        if (local.placeRef || (local.typed !== null && anyControllable(local.typed)))
          local.described = describedFaction(sentence, toks, lexicon);
        if (!notes) sentenceTable.add(hashes[k] as number, local);
      } else if (local.unnamed !== null && namedSince(local, named)) {
        // "the kiters seized Cinderhold" again, now that the Kite Guild has been named
        tokens = tokensAt(text, k);
        local.hits = keepNamed(local.unnamed, named, tokens);
        if (local.hits.length === local.unnamed.length) local.unnamed = null;
        local.changes = undefined;
        local.attacker = undefined;
        local.fallen = undefined;
        local.conflict = undefined;
        local.best = undefined;
        local.matches = undefined;
        settleHits(lexicon, local, sentence, tokens);
      }
      // Built on first use and shared by the sentence's mentions: most sentences need none.
      let source: MentionSource | null = null;
      let hits = local.hits;
      let annotatedCover: Array<[number, number]> | null = null;
      if (notes) {
        // Precomputed annotations: a resolved one replaces the lexicon's hits it overlaps (and
        // feeds change detection like any hit); an unknown one is a candidate, kept away from
        // the name finder.
        const toks = tokens as Token[]; // annotated sentences bypass the cache: always fresh
        for (const n of notes) {
          const [startTok, endTok] = tokenRange(toks, n.start, n.end);
          const ref = resolveAnnotation(lexicon, n.annotation);
          if (ref !== null && startTok < endTok) {
            hits = hits.filter((h) => h.endTok <= startTok || h.startTok >= endTok);
            hits.push({ ref, matchType: 'annotation', value: n.annotation.name, startTok, endTok });
            hits.sort((a, b) => a.startTok - b.startTok);
          } else if (ref === null) {
            if (startTok < endTok) (annotatedCover ??= []).push([startTok, endTok]);
            // A fresh run per annotation: never a repeat.
            found.push({
              run: annotationRun(n.annotation),
              sentence,
              source: (source ??= sourceOf(sessionId, turn, k)),
              count: 1,
            });
          }
        }
      }
      const caps: CapabilityRef[] = local.caps;
      // Annotations may have replaced hits: then hedging and types are read from the new ones.
      const hedged = hits === local.hits ? local.hedged : hits.length > 0 && isHedged(tokens as Token[]);
      const typed =
        hits === local.hits
          ? local.typed
          : hits.length > 0
            ? typedWithMemberForces(lexicon, typedHits(lexicon, hits), sentence, tokens as Token[])
            : null;
      const actors = hits === local.hits ? local.actors : typed;
      // A player's sentence proposes no change: the narrator is the authority, and a claim
      // the GM confirms is stated again in the GM's own words.
      // Without a place of its own, a sentence can still change one it calls "it" or "the city"
      // (named earlier), if it names a faction or has one to refer back to.
      // A place noun stands for the salient place of its own kind; "it" for the latest place.
      // "Old Vell had the Ember Crown in Lowmarket. The Tithe took it.": that "it" is the crown
      // (only an "it": "them" is no single thing)
      const thingMeant = local.placeType === '' && IT_WORD.test(sentence) && scene.thingJustNamed();
      const prevPlace = scene.placeFor(local.placeType);
      // "The Guild and the Tithe marched. By dusk the latter held it": its pronouns mean the Tithe.
      let referent = scene.referent(local.latter);
      // "By dusk the knights held the coast": a description in the faction's own words means that faction
      if (local.described !== null && referent?.entityId !== local.described)
        referent = scene.recentFaction(local.described) ?? referent;
      let detected: SentenceChanges = NO_SENTENCE_CHANGES;
      const mayChange =
        (typed !== null && anyControllable(typed)) ||
        (prevPlace !== null &&
          local.placeRef &&
          // "The forest is a field of black stumps": a place noun's status needs no faction
          (typed !== null || referent !== null || (local.placeType !== null && local.placeType !== '')));
      if (mayChange && turn.speaker === 'player')
        claims.push({ sentence, hits, typed: typed ?? NO_TYPED, referent, place: prevPlace });
      else if (mayChange) {
        const placeHit = thingMeant ? null : (prevPlace?.typed ?? null);
        if (notes) detected = changesOf(sentence, tokens as Token[], typed ?? NO_TYPED, referent, placeHit, scratchCueAt);
        else {
          // Same sentence, same antecedents, same answer: repeats skip the phrase scans.
          // Keyed by faction id and place id: the world's own strings, compared by identity.
          const byContext = local.changes;
          const faction = referent?.entityId ?? '';
          const key = placeHit?.entityId ?? '';
          let cached = byContext === undefined ? undefined : cachedChanges(byContext, faction, key);
          if (cached === undefined) {
            tokens ??= tokensAt(text, k);
            cached = changesOf(sentence, tokens, actors ?? NO_TYPED, referent, placeHit, scratchCueAt);
            // The first context as one literal: growing an empty array by a 3-argument push cost more.
            if (byContext === undefined) local.changes = [faction, key, cached];
            else byContext.push(faction, key, cached);
          }
          detected = cached;
        }
      }
      // "Harrowgate was taken in the night. The Veiled Court's masks walked its walls by dawn.": the
      // place that changed hands unclaimed in the narrator's sentence before goes to this one's subject.
      const unclaimed = scene.unclaimed;
      if (
        unclaimed !== null &&
        detected.changes.size === 0 &&
        turn.speaker !== 'player' &&
        typed !== null &&
        prevPlace?.typed.entityId === unclaimed.entityId
      ) {
        tokens ??= tokensAt(text, k);
        const taker = claimantOf(sentence, tokens, typed);
        if (taker) {
          scene.fallClaimed();
          detected = fellTo(unclaimed.entityId, taker.entityId, (tokens[taker.startTok] as Token).start, tokens);
        }
      }
      // it waits for the narrator's next two sentences (a player's question may stand between)
      if (turn.speaker !== 'player') scene.narratorSentenceDone();
      // "By noon the town was taken.": a place noun's fall stands for the salient place of its kind
      const referredFall: boolean =
        prevPlace !== null && local.placeRef && turn.speaker !== 'player' && detected.changes.size === 0;
      if (
        turn.speaker !== 'player' &&
        detected.changes.size === 0 &&
        ((typed !== null && anyControllable(typed)) || referredFall)
      ) {
        const own: boolean = typed === local.typed && !referredFall;
        let fallen: TypedHit | null | undefined = own ? local.fallen : undefined;
        // where the fall's subject stands in this sentence (a place noun's own token for a reference)
        let fallAt = -1;
        // "the gates opened before them": the faction the pronoun means took the town
        let toThem = false;
        if (fallen === undefined) {
          fallen = null;
          if (typed !== null && anyControllable(typed)) {
            tokens ??= tokensAt(text, k);
            fallen = unclaimedChange(sentence, tokens, typed);
          }
          if (!fallen && referredFall && prevPlace) {
            let ref = local.fallRef;
            if (ref === undefined) {
              tokens ??= tokensAt(text, k);
              ref = unclaimedReference(sentence, tokens);
              if (!notes) local.fallRef = ref;
            }
            // "it" stands for the place only when the sentence just before named it ("Harrowgate. It fell.")
            const itFits = ref?.kind === '' && scene.placeJustNamed(prevPlace.typed);
            if (ref !== null && (prevPlace.typed.entityType === ref.kind || itFits)) {
              fallen = prevPlace.typed;
              fallAt = ref.at;
              toThem = ref.toThem;
            }
          }
          if (own) local.fallen = fallen;
        }
        if (fallen && fallAt < 0) fallAt = fallen.startTok;
        if (fallen) tokens ??= tokensAt(text, k);
        // "The Choir pours through the breach, and Saint Orrin falls before sunset": the faction
        // subject of the opening clause took it; else the next sentences may name the taker
        const taker = fallen && typed ? claimantOf(sentence, tokens as Token[], typed) : null;
        if (fallen && taker && taker.endTok <= fallAt) {
          detected = fellTo(fallen.entityId, taker.entityId, ((tokens as Token[])[fallAt] as Token).start, tokens as Token[]);
        } else if (fallen && toThem && referent && referent.entityId !== fallen.entityId) {
          detected = fellTo(fallen.entityId, referent.entityId, ((tokens as Token[])[fallAt] as Token).start, tokens as Token[]);
        } else if (fallen && scene.attackerInReach() && scene.attacker?.entityId !== fallen.entityId) {
          // "The Iron Tithe marched at dawn. Lowmarket was taken by noon.": the attacker named just before
          const attacker = scene.attacker as TypedHit;
          detected = fellTo(fallen.entityId, attacker.entityId, ((tokens as Token[])[fallAt] as Token).start, tokens as Token[]);
        } else if (fallen && !sentence.includes('?') && scene.aggressorFor(fallen, controllerOf(lexicon, fallen))) {
          // "The Compact rolled its siege engines up to Harrowgate." / "Do the walls hold?" / "Not for
          // long. Before midnight Harrowgate fell.": the faction the scene last showed moving against it
          const aggressor = scene.aggressor as TypedHit;
          detected = fellTo(fallen.entityId, aggressor.entityId, ((tokens as Token[])[fallAt] as Token).start, tokens as Token[]);
        } else if (fallen) {
          scene.pendingFall(fallen);
        }
      }
      const changes = detected.changes;
      // Reported speech is moderated: a change stated inside quotation marks (dialogue), or in a
      // sentence with a reporting verb. Read only for the few sentences that change something;
      // both from what changesOf kept, so a repeat needs no tokens.
      let reported: ReadonlySet<string> | null = null;
      if (changes.size > 0 && !hedged)
        reported = detected.reportedAll ?? quotedEntities(text, bounds[2 * k] as number, detected.cueAt, quotes, quoteProbe);
      if (typed) {
        const lead = typed === local.typed ? local.lead : leadFaction(sentence, tokens as Token[], typed);
        if (lead) {
          scene.noteLead(lead, typed === local.typed ? local.last : lastFaction(typed));
          // an attacking faction may take the place the next narrator sentence says fell unclaimed
          if (turn.speaker !== 'player') {
            const own = typed === local.typed;
            let found = own ? local.attacker : undefined;
            if (found === undefined) {
              tokens ??= tokensAt(text, k);
              found = attackerOf(sentence, tokens, typed);
              if (own) local.attacker = found;
            }
            scene.noteAttacker(found);
            let conflict = own ? local.conflict : undefined;
            if (conflict === undefined) {
              tokens ??= tokensAt(text, k);
              conflict = conflictOf(sentence, tokens, typed);
              if (own) local.conflict = conflict;
            }
            scene.noteConflict(conflict);
          }
        }
        scene.noteFactions(typed, lead);
        scene.notePlaces(typed, hits, sentence);
      }
      // after noteLead: "Harrowgate's militia manned the walls as the Tithe's outriders came" leaves "they" the militia
      if (local.people && turn.speaker !== 'player') scene.notePeopleSubject();
      else if (local.gaveWay && local.lead === null && turn.speaker !== 'player') scene.noteAntecedentGaveWay();
      const mentionsBefore = turnMentions.length;
      // One context object per sentence, shared by its mentions (same JSON, fewer objects).
      let context: EntityMention['context'] | null = null;
      let sentenceHits: LexiconHit[];
      let matches: Array<EntityMention['match']>;
      if (hits === local.hits) {
        sentenceHits = local.best ??= hits.length > 0 ? bestHitPerEntity(hits) : NO_HITS;
        matches = local.matches ??= sentenceHits.length > 0 ? sentenceHits.map(matchOf) : NO_MATCHES;
      } else {
        sentenceHits = bestHitPerEntity(hits);
        matches = sentenceHits.map(matchOf);
      }
      // A change whose place this sentence only calls "it" or "the city": the mention is the earlier name's.
      if (
        prevPlace &&
        changes.size > 0 &&
        changes.has(prevPlace.typed.entityId) &&
        !sentenceHits.some((h) => h.ref === prevPlace.hit.ref)
      ) {
        sentenceHits = [...sentenceHits, prevPlace.hit];
        matches = [...matches, matchOf(prevPlace.hit)];
      }
      for (let b = 0; b < sentenceHits.length; b++) {
        const h = sentenceHits[b] as LexiconHit;
        const e = lexicon.entities[h.ref];
        if (!e) continue;
        const confidence = round(MATCH_CONFIDENCE[h.matchType] - (hedged ? HEDGE_PENALTY : 0));
        if (confidence < min) continue;
        // k > 0 first: sentences[-1] (a turn's first sentence) is a property look-up to V8, not an element read.
        context ??= { previous: k > 0 ? (sentences[k - 1] as string) : null, next: sentences[k + 1] ?? null };
        source ??= sourceOf(sessionId, turn, k);
        const flagged = hedged || (reported?.has(e.entityId) ?? false);
        turnMentions.push(
          mentionOf(
            e,
            matches[b] as EntityMention['match'],
            confidence,
            sentence,
            source,
            (changes.size > 0 ? changes.get(e.entityId) : undefined) ?? NO_CHANGES,
            flagged,
            newId(),
            caps,
            context,
          ),
        );
      }
      if (turnMentions.length === mentionsBefore)
        // Indexed: caps is mostly the frozen NO_CAPS, and for-of over a frozen array allocated
        // an iterator and its result for every sentence even in optimised code.
        for (let c = 0; c < caps.length; c++)
          (turnCaps ??= []).push({
            ref: caps[c] as CapabilityRef,
            source: (source ??= sourceOf(sessionId, turn, k)),
            sentence,
          });
      if (useTagger && local.tokenCount > 1) {
        const cover = annotatedCover as Array<[number, number]> | null;
        const covering = cover
          ? [
              ...hits,
              ...cover.map(([a, b]) => ({ ref: -1, matchType: 'annotation' as const, value: '', startTok: a, endTok: b })),
            ]
          : hits;
        if (!notes && local.found !== undefined) {
          // A repeated sentence repeats its runs: each counts once more in its record.
          const records = local.found;
          for (let r = 0; r < records.length; r++) (records[r] as FoundRun).count += 1;
        } else {
          // The pre-filter first: most sentences stop there. Only a sentence's first occurrence
          // (tokens at hand) or an annotated one gets here.
          let runs: readonly NameRun[] = NO_RUNS;
          if (needsTagging(tokens as Token[], covering, lexicon)) runs = nameRuns(sentence, tokens as Token[], covering);
          // Sized for the runs: a first push would make room for 17 (13,314 runs at 10k turns).
          const records: FoundRun[] = runs.length > 0 ? new Array(runs.length) : (NO_FOUND as FoundRun[]);
          for (let r = 0; r < runs.length; r++) {
            const run = runs[r] as NameRun;
            // A span-path run of a name found before joins that name's record (RunRecords). At
            // 10k turns 13,308 runs in distinct sentences were 66 candidates; holding a record, a
            // run and a source for each was a large share of the heap young-generation GCs copied.
            let f = notes || posTagger ? undefined : runRecords.find(run);
            if (f) f.count += 1;
            else {
              f = { run, sentence, source: (source ??= sourceOf(sessionId, turn, k)), count: 1 };
              found.push(f);
              if (!notes && !posTagger) runRecords.add(f);
            }
            records[r] = f;
          }
          if (!notes) local.found = records;
        }
      }
    }
    const capabilityIds = turnCapabilityIds(turn, feedByTurn); // mostly the frozen NONE: indexed, as caps above
    for (let c = 0; c < capabilityIds.length; c++) {
      const id = capabilityIds[c] as string;
      const firstSource: MentionSource = {
        sessionId,
        sceneId: turn.sceneId,
        turnId: turn.turnId,
        speaker: turn.speaker,
        sentenceIndex: 0,
      };
      (turnCaps ??= []).push({ ref: resolveCapabilityId(lexicon, id), source: firstSource, sentence: sentences[0] ?? turn.text });
    }
    // A capability named where no entity is: it belongs to what the turn is about or, failing
    // that, to the scene's last-named character (powers are wielded by people), else its last
    // mention. If nothing is, keep it visible rather than drop it.
    const sceneCarrier = scene.lastCharacter ?? scene.lastMention;
    if (turnCaps !== null)
      for (const c of turnCaps) {
        const carriers = turnMentions.length > 0 ? turnMentions : sceneCarrier ? [sceneCarrier] : [];
        if (carriers.length === 0) unattached.push(c);
        for (const m of carriers) m.capabilityRefs = mergeCapabilityRefs(m.capabilityRefs, [c.ref]);
      }
    if (pendingClaims.length > 0 && turn.speaker !== 'player' && sentences.length > 0)
      confirmedClaims(pendingClaims, sentences, turn, turnMentions);
    for (let m = 0; m < turnMentions.length; m++) push(turnMentions[m] as EntityMention);
    scene.noteTurnMentions(turnMentions);
  }
  const slugs = new Map<string, string>(); // a name recurs many times; slugify once
  // Each candidate with its name's words when the name is those words joined (span-path runs):
  // the same-person pass below reads them instead of splitting the name again.
  const candidateWords: Array<[NewEntityCandidate, string[] | null]> = [];
  for (const { run, sentence, source, count } of found) {
    let words = run.words;
    let preceding = run.precedingWord;
    if (run.ambiguousFirst && lowerVocabulary.has((words[0] as string).toLowerCase())) {
      // "Suddenly Veyla Strand" where the transcript also says "suddenly": drop the opener.
      preceding = words[0] as string;
      words = words.slice(1);
      while (words.length > 0 && (words[0] === 'of' || words[0] === 'the')) words = words.slice(1);
      if (words.length === 0) continue;
      if (
        words.length === 1 &&
        (TITLES.has((words[0] as string).toLowerCase()) || lexicon.nameTokens.has((words[0] as string).toLowerCase()))
      )
        continue;
    }
    const fromPos = run as NameRun & {
      name?: string;
      guess?: { entityType: NewEntityCandidate['entityType']; cue: string | null };
      entityId?: string | null;
      annotated?: boolean;
    };
    const name = words === run.words && fromPos.name !== undefined ? fromPos.name : words.join(' ');
    let slug = slugs.get(name);
    if (slug === undefined) {
      slug = slugify(name);
      slugs.set(name, slug);
    }
    if (!slug || pcSlugs.has(slug) || worldSlugs.has(slug)) continue;
    const existing = candidates.get(slug);
    if (existing) {
      existing.occurrences += count;
      if (fromPos.annotated) existing.annotated = true;
      continue;
    }
    // Guessed only for the record that makes the candidate: a later one only adds its count.
    const guess = fromPos.guess ?? guessEntityType(words, run.title, preceding);
    const confidence = round(0.5 + (guess.cue ? 0.1 : 0) + (words.length > 1 ? 0.05 : 0));
    const candidate: NewEntityCandidate = {
      candidateId: newId(),
      name,
      ...(fromPos.annotated ? { annotated: true } : {}),
      proposedEntityId: fromPos.entityId ?? `${guess.entityType}.${slug}`,
      entityType: guess.entityType,
      typeCue: guess.cue,
      confidence,
      sentence,
      source,
      occurrences: count,
    };
    candidates.set(slug, candidate);
    candidateWords.push([candidate, fromPos.guess === undefined ? words : null]);
  }
  // "Ilsabet" after "Ilsabet Holloway" is the same person, not a new one. Each word maps to
  // the first several-word candidate holding it: one pass, not a split of every name per word.
  const fullByWord = new Map<string, NewEntityCandidate>();
  // In creation order, as candidates.values() (nothing is deleted before this).
  for (const [c, words] of candidateWords)
    if (c.name.includes(' ')) for (const w of words ?? c.name.split(' ')) if (!fullByWord.has(w)) fullByWord.set(w, c);
  for (const [slug, c] of candidates) {
    if (c.name.includes(' ')) continue;
    const full = fullByWord.get(c.name);
    if (full) {
      full.occurrences += c.occurrences;
      candidates.delete(slug);
    }
  }
  // A plain loop, not [...values()].map().filter(): the load of `filter` on map's result failed
  // its map check again and again (--trace-deopt: "wrong map" in extractEntities, up to 8 times in
  // 60 runs of the 200-turn probe), and each deopt sent the whole function back to the interpreter
  // until TurboFan compiled it again.
  const cands: NewEntityCandidate[] = [];
  for (const c of candidates.values()) {
    const confidence = round(Math.min(0.75, c.confidence + 0.05 * (c.occurrences - 1)));
    if (confidence >= min) cands.push({ ...c, confidence });
  }
  dropSupersededUnnamedLosses(mentions);
  withdrawDeniedReports(mentions, sanitised.turns);
  withdrawRefutedReports(mentions, sanitised.turns);
  return { mentions, candidates: cands, unattachedCapabilityRefs: unattached };
}
