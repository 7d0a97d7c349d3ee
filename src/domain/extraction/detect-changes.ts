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

/** Control changes and status changes proposed by one sentence, keyed by the target entity id. */
export function detectChanges(text: string, tokens: Token[], hits: TypedHit[]): Map<string, ProposedChange[]> {
  const out = new Map<string, ProposedChange[]>();
  const add = (id: string, c: ProposedChange) => {
    const list = out.get(id) ?? [];
    list.push(c);
    out.set(id, list);
  };
  if (!hits.some(isControllable)) return out;
  const controlVerbAt = new Set<number>();
  // Every control change names a faction (actor, gainer or loser): without one, skip the scan.
  const scanControl = hits.some(isFaction);
  for (let i = 0; scanControl && i < tokens.length; i++) {
    const p = matchPhrase(CONTROL_VERBS, tokens, i);
    if (!p) continue;
    const verb = p.keys.join(' ');
    const after = i + p.keys.length;
    const passive = PASSIVE_AUX.has(tokens[i - 1]?.lower ?? '') && tokens[after]?.lower === 'by';
    if (p.kind === 'fell' || passive) {
      const target = nearest(hits, isControllable, i, -1);
      const gainer = nearest(hits, isFaction, after, 1);
      if (!target || !gainer || isNegated(text, tokens, passive ? i - 1 : i)) continue;
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
    const actor = nearest(hits, isFaction, i, -1);
    const target = nearest(hits, isControllable, after, 1);
    if (!target) continue;
    if (p.kind === 'gain' && !actor) continue; // "secured" without a faction is a status cue, below
    if (isNegated(text, tokens, i)) {
      controlVerbAt.add(i);
      continue;
    }
    controlVerbAt.add(i);
    if (p.kind === 'gain') {
      const loser = factionAfterWord(tokens, hits, 'from', target.endTok);
      add(target.entityId, {
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
    add(target.entityId, { kind: 'status', field: 'status', to: p.kind, cue: p.keys.join(' ') });
  }
  return out;
}
