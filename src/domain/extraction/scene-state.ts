import type { Turn } from '../types.js';
import type { Conflict } from './aggressors.js';
import { tokenize } from '../text/tokens.js';
import type { TypedHit } from './detect-changes.js';
import type { LexiconHit } from './match-sentence.js';
import { thingBesidePlace } from './thing-antecedents.js';
import type { EntityMention } from './types.js';

/** A place as a later sentence may refer to it: its typed hit (for change detection) and its lexicon hit (for the mention). */
export interface PlaceRef {
  typed: TypedHit;
  hit: LexiconHit;
}

/**
 * How many narrator sentences a pending fall or a just-named attacker waits for: the next two
 * (a player's turn in between does not count, so "What do I see?" does not break the scene).
 */
const NARRATOR_REACH = 2;

/**
 * How many narrator sentences the scene's aggressor stays the taker of an unclaimed fall: longer
 * than the attacker just before, since a GM turn describes the defence, the weather, the player's
 * view in between ("The Kite Guild attacked Cinderhold at dawn. The Compact's defenders held the
 * walls. By dusk the keep had fallen.").
 */
const AGGRESSOR_REACH = 8;

/** How many factions the scene keeps in recency order ("the victors" after a loser means the other one). */
const RECENT_FACTIONS = 4;

/**
 * The discourse state of the current scene: what a sentence may leave implicit and which earlier
 * sentence, in this turn or an earlier one of the scene, supplies it. Extraction reads it before a
 * sentence (referent, placeFor, unclaimed, attacker) and updates it after (noteLead, notePlaces,
 * pendingFall, noteAttacker, narratorSentenceDone). It is reset when a turn opens another scene:
 * a pronoun does not reach back into another scene. One object per extraction call, mutated in
 * place (no allocation per sentence).
 */
export class SceneState {
  /** The faction a pronoun subject ("they", "their army") means: the lead faction of the latest sentence naming one. */
  antecedent: TypedHit | null = null;
  /** The last faction of the sentence that set `antecedent`: what "the latter" means. */
  latter: TypedHit | null = null;
  /** The place an "it" or "them" refers to: the last place of the latest sentence that named one. */
  place: PlaceRef | null = null;
  /**
   * The scene's salient place of each kind: "the pass" is the latest region even when a town was
   * named after it ("crossed the Sunder Gap toward Lowmarket ... by dusk the pass was theirs").
   * null also when the latest sentence naming that kind named two of them: "the town" is ambiguous.
   */
  settlement: PlaceRef | null = null;
  region: PlaceRef | null = null;
  /** Sentences read in the call, and the one that named `place` (placeJustNamed). */
  private sentenceCount = 0;
  private placeNamedAt = -2;
  /** The sentence that named `place` and its typed hits: read again only when a later "it" asks (thingJustNamed). */
  private placeSentence = '';
  private placeTyped: readonly TypedHit[] = [];
  /** Narrator sentences read in the call, and their count when the place was named: a player's question between does not count. */
  private narratorCount = 0;
  private placeNarratorAt = -2;
  /** A place the narrator's latest sentence said changed hands without naming the taker (unclaimed-changes.ts). */
  unclaimed: TypedHit | null = null;
  private unclaimedLeft = 0;
  /** The faction a narrator's sentence just before had attack or march (attackerOf). */
  attacker: TypedHit | null = null;
  private attackerLeft = 0;
  /** The one faction the scene last showed moving against a place or a foe (aggressors.ts), and its target place. */
  aggressor: TypedHit | null = null;
  aggressorTarget: string | null = null;
  private aggressorLeft = 0;
  /**
   * The latest narrator sentence with a subject of its own had a town's people as that subject
   * ("Harrowgate's militia manned the walls as the Tithe's outriders came into view."): a "they"
   * after it means them, so no faction until a sentence is led by one again.
   */
  private peopleSubject = false;
  /** The antecedent lost the fight in the sentence that made it the antecedent ("The Guild broke first."). */
  private antecedentLost = false;
  /** The scene's factions, most recently named first, one entry per faction. */
  private readonly recent: TypedHit[] = [];
  /**
   * The scene's last mention and last character mention (what a capability named where no entity
   * is attaches to); kept per scene key across a switch, since a scene may resume later.
   */
  lastMention: EntityMention | undefined;
  lastCharacter: EntityMention | undefined;
  private readonly lastMentionIn = new Map<string, EntityMention>();
  private readonly lastCharacterIn = new Map<string, EntityMention>();
  // Consecutive turns share a scene: its key string is built once per switch, not per turn.
  private key = '';
  private act: string | undefined | null = null;
  private scene: string | undefined | null = null;

  /** Called at each turn: a turn of another act or scene (or the first turn) starts from nothing. */
  enter(turn: Turn): void {
    if (turn.actId === this.act && turn.sceneId === this.scene && this.act !== null) return;
    this.antecedent = null;
    this.latter = null;
    this.place = null;
    this.settlement = null;
    this.region = null;
    this.unclaimed = null;
    this.unclaimedLeft = 0;
    this.attacker = null;
    this.attackerLeft = 0;
    this.aggressor = null;
    this.aggressorTarget = null;
    this.aggressorLeft = 0;
    this.antecedentLost = false;
    this.peopleSubject = false;
    this.recent.length = 0;
    this.act = turn.actId;
    this.scene = turn.sceneId;
    if (this.lastMention) this.lastMentionIn.set(this.key, this.lastMention);
    if (this.lastCharacter) this.lastCharacterIn.set(this.key, this.lastCharacter);
    this.key = `${turn.actId ?? ''}|${turn.sceneId ?? ''}`;
    this.lastMention = this.lastMentionIn.get(this.key);
    this.lastCharacter = this.lastCharacterIn.get(this.key);
  }

  /**
   * The faction a sentence's pronouns mean: "the latter" of the sentence before when it says so,
   * else the antecedent; but when the antecedent was beaten in its sentence ("The Guild broke
   * first. Before nightfall the victors had taken the city."), the one other faction of the scene.
   */
  referent(saysLatter: boolean): TypedHit | null {
    if (saysLatter && this.latter) return this.latter;
    if (this.peopleSubject) return null;
    const a = this.antecedent;
    if (a === null || !this.antecedentLost) return a;
    let other: TypedHit | null = null;
    for (const f of this.recent) {
      if (f.entityId === a.entityId) continue;
      if (other) return a; // two others: no single side to mean
      other = f;
    }
    return other ?? a;
  }

  /** The place a reference of this kind stands for: a place noun's salient place of its kind, "it" the latest place. */
  placeFor(kind: 'settlement' | 'region' | '' | null): PlaceRef | null {
    return kind === 'settlement' ? this.settlement : kind === 'region' ? this.region : this.place;
  }

  /** A new sentence (of any speaker) is read. */
  beginSentence(): void {
    this.sentenceCount++;
  }

  /** `place` is the latest place and the sentence just before this one named it: "Harrowgate. It fell before noon." */
  placeJustNamed(place: TypedHit): boolean {
    return this.placeNamedAt === this.sentenceCount - 1 && this.place?.typed.entityId === place.entityId;
  }

  /**
   * The sentence just before named the latest place only as where a thing was ("Old Vell had the
   * Ember Crown in Lowmarket. The Tithe took it."): its "it" means the thing, not the place. Read
   * on demand (an "it" right after a place is rare), from that sentence's words again.
   */
  thingJustNamed(): boolean {
    // the place named in the sentence just before, or in the narrator's sentence before a player's turn
    // ("Old Vell had the Ember Crown in Lowmarket." / "Where is it now?" / "The Tithe took it.")
    const justBefore = this.placeNamedAt === this.sentenceCount - 1 || this.placeNarratorAt === this.narratorCount;
    if (!justBefore || this.place === null) return false;
    const sentence = this.placeSentence;
    return thingBesidePlace(sentence, tokenize(sentence), this.placeTyped, this.place.typed);
  }

  /** A sentence led by faction `lead` (last faction `last`): later pronouns mean it. */
  noteLead(lead: TypedHit, last: TypedHit | null): void {
    this.antecedent = lead;
    this.latter = last;
    this.antecedentLost = false;
    this.peopleSubject = false;
  }

  /** A narrator's sentence without a faction had the antecedent give way or leave ("Gone south with their fleet."). */
  noteAntecedentGaveWay(): void {
    if (this.antecedent) this.antecedentLost = true;
  }

  /** A narrator's sentence has a town's own people as its subject (peopleSubject in group-descriptions.ts). */
  notePeopleSubject(): void {
    this.peopleSubject = true;
  }

  /** A sentence's factions (typed hits): the first named ends up most recent but for the lead, noted last. */
  noteFactions(typed: readonly TypedHit[], lead: TypedHit | null): void {
    for (let j = typed.length - 1; j >= 0; j--) {
      const t = typed[j] as TypedHit;
      if (t.entityType === 'faction' && t !== lead) this.bringForward(t);
    }
    if (lead) this.bringForward(lead);
  }

  /** The scene's faction of this id, when the scene has named it (among its latest few). */
  recentFaction(entityId: string): TypedHit | null {
    for (const f of this.recent) if (f.entityId === entityId) return f;
    return null;
  }

  private bringForward(f: TypedHit): void {
    const list = this.recent;
    let at = list.length;
    for (let i = 0; i < list.length; i++)
      if ((list[i] as TypedHit).entityId === f.entityId) {
        at = i;
        break;
      }
    if (at === list.length && list.length === RECENT_FACTIONS) at = list.length - 1;
    for (let i = at; i > 0; i--) list[i] = list[i - 1] as TypedHit;
    list[0] = f;
  }

  /**
   * A narrator's sentence's conflict (aggressors.ts): its aggressor becomes the scene's, a faction
   * that defends or gives way is none (and, when it is the antecedent, a "they" after it may mean the other side).
   */
  noteConflict(c: Conflict): void {
    if (c.aggressor) {
      this.aggressor = c.aggressor;
      this.aggressorTarget = c.target?.entityId ?? null;
      this.aggressorLeft = AGGRESSOR_REACH;
    }
    // Indexed: the lists are mostly shared frozen empty ones, whose for-of allocates an iterator per call.
    for (let i = 0; i < c.defenders.length; i++)
      if (this.aggressor?.entityId === (c.defenders[i] as TypedHit).entityId) {
        this.aggressor = null;
        this.aggressorTarget = null;
      }
    const a = this.antecedent;
    if (a)
      for (let i = 0; i < c.losers.length; i++) if ((c.losers[i] as TypedHit).entityId === a.entityId) this.antecedentLost = true;
  }

  /**
   * The scene's aggressor as the taker of `place`'s unclaimed fall: not when it moved against
   * another place, not when it already holds the place (`holder`, the canon's controller).
   */
  aggressorFor(place: TypedHit, holder: string | null | undefined): TypedHit | null {
    const a = this.aggressorLeft > 0 ? this.aggressor : null;
    if (a === null || a.entityId === place.entityId || a.entityId === holder) return null;
    if (this.aggressorTarget !== null && this.aggressorTarget !== place.entityId) return null;
    return a;
  }

  /** A narrator's sentence whose lead faction attacks or marches (or not: null): an unclaimed fall next may be its. */
  noteAttacker(attacker: TypedHit | null): void {
    this.attacker = attacker;
    this.attackerLeft = NARRATOR_REACH;
  }

  /** The attacker named just before, while it is in reach. */
  attackerInReach(): TypedHit | null {
    return this.attackerLeft > 0 ? this.attacker : null;
  }

  /** A place fell with no taker named: the next narrator sentences may name it. */
  pendingFall(place: TypedHit): void {
    this.unclaimed = place;
    this.unclaimedLeft = NARRATOR_REACH;
  }

  /** The pending fall found its taker. */
  fallClaimed(): void {
    this.unclaimedLeft = 0;
  }

  /** A narrator's sentence has been read: the pending fall and the attacker come one sentence closer to out of reach. */
  narratorSentenceDone(): void {
    this.narratorCount++;
    if (--this.unclaimedLeft <= 0) this.unclaimed = null;
    if (--this.attackerLeft <= 0) this.attacker = null;
    if (--this.aggressorLeft <= 0) this.aggressor = null;
  }

  /**
   * The places a sentence names (typed hits, with `hits` parallel): the last becomes "it"; one place
   * of a kind becomes that kind's salient place, two different ones of a kind leave none.
   */
  notePlaces(typed: readonly TypedHit[], hits: readonly LexiconHit[], sentence: string): void {
    let latest: PlaceRef | null = null;
    let settlements: PlaceRef | null | undefined;
    let regions: PlaceRef | null | undefined;
    for (let j = typed.length - 1; j >= 0; j--) {
      const t = typed[j] as TypedHit;
      if (t.entityType !== 'region' && t.entityType !== 'settlement') continue;
      const ref = { typed: t, hit: hits[j] as LexiconHit };
      latest ??= ref;
      // two different places of one kind in the sentence compete: neither is "the town"
      if (t.entityType === 'settlement')
        settlements = settlements === undefined ? ref : settlements?.typed.entityId === t.entityId ? settlements : null;
      else regions = regions === undefined ? ref : regions?.typed.entityId === t.entityId ? regions : null;
    }
    if (latest) {
      this.place = latest;
      this.placeNamedAt = this.sentenceCount;
      this.placeSentence = sentence;
      this.placeTyped = typed;
      this.placeNarratorAt = this.narratorCount;
    }
    if (settlements !== undefined) this.settlement = settlements;
    if (regions !== undefined) this.region = regions;
  }

  /** A turn's mentions are in: the scene's last mention and last character mention follow them. */
  noteTurnMentions(turnMentions: readonly EntityMention[]): void {
    if (turnMentions.length > 0) this.lastMention = turnMentions[turnMentions.length - 1];
    for (let i = turnMentions.length - 1; i >= 0; i--)
      if ((turnMentions[i] as EntityMention).entityType === 'character') {
        this.lastCharacter = turnMentions[i];
        break;
      }
  }
}
