import { KeyFilter } from '../text/key-filter.js';
import type { Token } from '../text/tokens.js';
import type { RegionStatus } from '../world/types.js';
import { NEGATION_WINDOW, NEGATION_WORDS } from './hedges.js';
import type { ProposedChange } from './types.js';

/** A lexicon hit as seen by change detection: where it is and what kind of entity it is. */
export interface TypedHit {
  entityId: string;
  entityType: string;
  startTok: number;
  endTok: number;
}

type VerbKind = 'gain' | 'loss' | 'fell';
interface Phrase<K> {
  keys: string[];
  kind: K;
}

/** Phrases indexed by their first word, with a pre-check so most tokens skip the map. */
interface PhraseIndex<K> {
  byFirst: Map<string, Array<Phrase<K>>>;
  firstKeys: KeyFilter;
}

function phrases<K>(list: Array<[string, K]>): PhraseIndex<K> {
  const map = new Map<string, Array<Phrase<K>>>();
  for (const [text, kind] of list) {
    const keys = text.split(' ');
    const first = keys[0] as string;
    const arr = map.get(first) ?? [];
    arr.push({ keys, kind });
    arr.sort((a, b) => b.keys.length - a.keys.length);
    map.set(first, arr);
  }
  return { byFirst: map, firstKeys: new KeyFilter(map.keys()) };
}

// Only finite verb forms: a bare "seize" is nearly always future or intent ("will seize").
const CONTROL_VERBS = phrases<VerbKind>([
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
    'annexed',
    'took',
    'taken',
    'overran',
    'overrun',
    'held',
    'took control of',
    'takes control of',
    'taken control of',
    'seized control of',
    'won control of',
    'gained control of',
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
    'driven out of',
    'driven from',
    'pulled out of',
    'lost control of',
    'fled from',
    'evacuated',
  ].map((v): [string, VerbKind] => [v, 'loss']),
  ['fell to', 'fell'],
  ['falls to', 'fell'],
]);

const STATUS_CUES = phrases<RegionStatus>([
  ...['under threat', 'under siege', 'besieged', 'threatened', 'imperilled', 'imperiled', 'in danger', 'endangered'].map(
    (v): [string, RegionStatus] => [v, 'threatened'],
  ),
  ...['devastated', 'ruined', 'ravaged', 'razed', 'in ruins', 'laid waste', 'burned to the ground'].map(
    (v): [string, RegionStatus] => [v, 'devastated'],
  ),
  ...['stabilised', 'stabilized', 'secured', 'restored', 'at peace', 'safe again', 'stable again', 'rebuilt'].map(
    (v): [string, RegionStatus] => [v, 'stable'],
  ),
]);

const CLAUSE_BREAK = new Set(['and', 'but', 'then', 'so', 'yet', 'while', 'after', 'before', 'because']);
/** Subjects that point back to the last-named faction ("By noon they held the Fen"). */
const PRONOUNS = new Set(['they', 'it', 'we']);
/** "held" is a state, not a change, after these ("had held it for years", "still held"). */
const STATE_BEFORE_HELD = new Set(['had', 'has', 'have', 'still', 'long', 'once', 'always', 'never']);
const LIST_GLUE = new Set(['and', 'the', 'or']);
const PASSIVE_AUX = new Set(['was', 'were', 'been', 'is', 'are', 'be']);
const CONTROLLABLE = new Set(['region', 'settlement']);
const MAX_STATUS_DISTANCE = 10;

function matchPhrase<K>(index: PhraseIndex<K>, tokens: Token[], i: number): Phrase<K> | null {
  const lower = (tokens[i] as Token).lower;
  if (!index.firstKeys.mayHave(lower)) return null;
  for (const p of index.byFirst.get(lower) ?? []) {
    if (p.keys.every((k, j) => tokens[i + j]?.lower === k)) return p;
  }
  return null;
}

/**
 * True when the words just before the cue make it non-factual: a negation, a failed or
 * intended attempt, a modal, or an infinitive ("marched to seize"). The look-back stops at
 * a clause break so "did not hesitate and seized" still counts as seizing.
 */
export function isNegated(text: string, tokens: Token[], at: number): boolean {
  if (tokens[at - 1]?.lower === 'to') return true;
  for (let j = at - 1; j >= 0 && j >= at - NEGATION_WINDOW; j--) {
    const t = tokens[j] as Token;
    const next = tokens[j + 1] as Token;
    if (/[,;:]/.test(text.slice(t.end, next.start))) break;
    if (CLAUSE_BREAK.has(t.lower)) break;
    if (NEGATION_WORDS.has(t.lower)) return true;
  }
  return false;
}

function nearest(hits: TypedHit[], pred: (h: TypedHit) => boolean, from: number, dir: -1 | 1): TypedHit | null {
  let best: TypedHit | null = null;
  for (const h of hits) {
    if (!pred(h)) continue;
    if (dir === -1 && h.endTok <= from && (!best || h.endTok > best.endTok)) best = h;
    if (dir === 1 && h.startTok >= from && (!best || h.startTok < best.startTok)) best = h;
  }
  return best;
}

const isFaction = (h: TypedHit) => h.entityType === 'faction';
const isControllable = (h: TypedHit) => CONTROLLABLE.has(h.entityType);

function factionAfterWord(tokens: Token[], hits: TypedHit[], word: string, from: number): TypedHit | null {
  for (let j = from; j < tokens.length; j++) {
    if (tokens[j]?.lower !== word) continue;
    const f = nearest(hits, isFaction, j + 1, 1);
    if (f && f.startTok <= j + 3) return f;
  }
  return null;
}

/** Only commas, "and", "or" and "the" between two hits: they are items of one list. */
function listed(text: string, tokens: Token[], a: TypedHit, b: TypedHit): boolean {
  if (b.startTok < a.endTok) return false;
  for (let j = a.endTok; j < b.startTok; j++) if (!LIST_GLUE.has((tokens[j] as Token).lower)) return false;
  const gap = text.slice((tokens[a.endTok - 1] as Token).end, (tokens[b.startTok] as Token).start);
  return /^[\s,]*(?:(?:and|or|the)[\s,]+)*$/i.test(gap);
}

/** The target and the controllable hits listed after it ("seized Lowmarket and Harrowgate"). */
function withListAfter(text: string, tokens: Token[], hits: TypedHit[], first: TypedHit): TypedHit[] {
  const out = [first];
  for (;;) {
    const last = out[out.length - 1] as TypedHit;
    const next = nearest(hits, isControllable, last.endTok, 1);
    if (!next || !listed(text, tokens, last, next)) return out;
    out.push(next);
  }
}

/** The target and the controllable hits listed before it ("Harrowgate, Lowmarket and Prismwell are"). */
function withListBefore(text: string, tokens: Token[], hits: TypedHit[], last: TypedHit): TypedHit[] {
  const out = [last];
  for (;;) {
    const first = out[0] as TypedHit;
    const prev = nearest(hits, isControllable, first.startTok, -1);
    if (!prev || !listed(text, tokens, prev, first)) return out;
    out.unshift(prev);
  }
}

/** A question: the verb's clause ends with "?" ('"Has the Tithe captured Lowmarket yet?" she asks.'). */
function asked(text: string, tokens: Token[], at: number): boolean {
  for (let p = (tokens[at] as Token).end; p < text.length; p++) {
    const c = text.charCodeAt(p);
    if (c === 63) return true;
    if (c === 46 || c === 33) return false;
  }
  return false;
}

/**
 * The actor of a verb: the nearest faction before it, skipping a parenthetical that ends
 * right before the verb ("The Kite Guild, with help from the Masked Court, liberated ...");
 * else, when a pronoun is the subject, the faction named last before this sentence.
 */
function actorOf(text: string, tokens: Token[], hits: TypedHit[], at: number, antecedent: TypedHit | null): TypedHit | null {
  const verb = tokens[at] as Token;
  const prevTok = tokens[at - 1];
  if (prevTok && /,/.test(text.slice(prevTok.end, verb.start))) {
    // Find the comma that opens the parenthetical and take the faction before it.
    for (let j = at - 2; j >= 0; j--) {
      const gap = text.slice((tokens[j] as Token).end, (tokens[j + 1] as Token).start);
      if (!/,/.test(gap)) continue;
      const before = nearest(hits, isFaction, j + 1, -1);
      if (before) return before;
      break;
    }
  }
  const near = nearest(hits, isFaction, at, -1);
  if (near) return near;
  if (antecedent)
    for (let j = at - 1; j >= 0 && j >= at - 3; j--) if (PRONOUNS.has((tokens[j] as Token).lower)) return antecedent;
  return null;
}

/**
 * Control changes and status changes proposed by one sentence, keyed by the target entity id.
 * `antecedent`: the faction a pronoun subject refers to (named in an earlier sentence).
 */
export function detectChanges(
  text: string,
  tokens: Token[],
  hits: TypedHit[],
  antecedent: TypedHit | null = null,
): Map<string, ProposedChange[]> {
  const out = new Map<string, ProposedChange[]>();
  const add = (id: string, c: ProposedChange) => {
    const list = out.get(id) ?? [];
    list.push(c);
    out.set(id, list);
  };
  if (!hits.some(isControllable)) return out;
  // "Had the Kite Guild seized the Gap, ...": an inverted conditional states nothing.
  if (tokens[0]?.lower === 'had' || tokens[0]?.lower === 'were' || tokens[0]?.lower === 'should') return out;
  const controlVerbAt = new Set<number>();
  // Every control change names a faction (actor, gainer or loser): without one, skip the scan.
  const scanControl = hits.some(isFaction) || antecedent !== null;
  for (let i = 0; scanControl && i < tokens.length; i++) {
    const p = matchPhrase(CONTROL_VERBS, tokens, i);
    if (!p) continue;
    const verb = p.keys.join(' ');
    const after = i + p.keys.length;
    if (verb === 'held' && STATE_BEFORE_HELD.has(tokens[i - 1]?.lower ?? '')) continue;
    if (asked(text, tokens, i)) {
      controlVerbAt.add(i);
      continue;
    }
    // "was seized by", "was finally overrun by": one adverb may stand between.
    const aux = PASSIVE_AUX.has(tokens[i - 1]?.lower ?? '')
      ? i - 1
      : (tokens[i - 1]?.lower.endsWith('ly') ?? false) && PASSIVE_AUX.has(tokens[i - 2]?.lower ?? '')
        ? i - 2
        : -1;
    const passive = aux >= 0 && tokens[after]?.lower === 'by';
    if (p.kind === 'fell' || passive) {
      const target = nearest(hits, isControllable, i, -1);
      const gainer = nearest(hits, isFaction, after, 1);
      if (!target || !gainer || isNegated(text, tokens, passive ? aux : i)) continue;
      controlVerbAt.add(i);
      const loser = p.kind === 'gain' || p.kind === 'fell' ? factionAfterWord(tokens, hits, 'from', gainer.endTok) : null;
      if (p.kind === 'loss')
        add(target.entityId, { kind: 'control', field: 'controlledBy', to: null, from: gainer.entityId, verb });
      else
        add(target.entityId, {
          kind: 'control',
          field: 'controlledBy',
          to: gainer.entityId,
          from: loser?.entityId ?? null,
          verb,
        });
      continue;
    }
    const actor = actorOf(text, tokens, hits, i, antecedent);
    const target = nearest(hits, isControllable, after, 1);
    if (!target) continue;
    if (verb === 'held' && target.startTok > after + 1) continue; // "held out against", not "held Lowmarket"

    if (p.kind === 'gain' && !actor) continue; // "secured" without a faction is a status cue, below
    if (isNegated(text, tokens, i)) {
      controlVerbAt.add(i);
      continue;
    }
    controlVerbAt.add(i);
    if (p.kind === 'gain') {
      const targets = withListAfter(text, tokens, hits, target);
      const loser = factionAfterWord(tokens, hits, 'from', (targets[targets.length - 1] as TypedHit).endTok);
      for (const t of targets)
        add(t.entityId, {
          kind: 'control',
          field: 'controlledBy',
          to: actor?.entityId ?? null,
          from: loser?.entityId ?? null,
          verb,
        });
    } else {
      const gainer = factionAfterWord(tokens, hits, 'to', target.endTok);
      if (!actor && !gainer) continue;
      add(target.entityId, {
        kind: 'control',
        field: 'controlledBy',
        to: gainer?.entityId ?? null,
        from: actor?.entityId ?? null,
        verb,
      });
    }
  }
  for (let i = 0; i < tokens.length; i++) {
    if (controlVerbAt.has(i)) continue;
    const p = matchPhrase(STATUS_CUES, tokens, i);
    if (!p) continue;
    if (p.keys[0] === 'threatened' && tokens[i + 1]?.lower === 'to') continue; // "threatened to seize" is a verb
    if (isNegated(text, tokens, i)) continue;
    const before = nearest(hits, isControllable, i, -1);
    const after = nearest(hits, isControllable, i + p.keys.length, 1);
    const dBefore = before ? i - before.endTok : Number.POSITIVE_INFINITY;
    const dAfter = after ? after.startTok - (i + p.keys.length) : Number.POSITIVE_INFINITY;
    const target = dBefore <= dAfter ? before : after;
    if (!target || Math.min(dBefore, dAfter) > MAX_STATUS_DISTANCE) continue;
    if (asked(text, tokens, i)) continue;
    const targets = target === before ? withListBefore(text, tokens, hits, target) : withListAfter(text, tokens, hits, target);
    for (const t of targets) add(t.entityId, { kind: 'status', field: 'status', to: p.kind, cue: p.keys.join(' ') });
  }
  return out;
}
