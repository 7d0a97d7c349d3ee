/**
 * List reading for change detection (detect-changes.ts): whether hits stand as items of one list
 * ("seized Lowmarket, Harrowgate and Prismwell", "the Corsairs and the Iron Tithe"), the places or
 * factions such a list holds, and gapped pairs that share one verb ("lost Cinderhold to the Tithe,
 * Harrowgate to the Court").
 */
import { tokenAt } from '../text/token-at.js';
import type { Token } from '../text/tokens.js';
import {
  ADJUNCT_PREPOSITIONS,
  BASE_VERBS,
  CONTROL_VERBS,
  FELL_WORDS,
  GATHERING,
  LIST_GLUE,
  LIST_PHRASES,
  PASSIVE_AUX,
  PERFECT_AUX,
} from './change-vocabulary.js';
import { matchPhrase } from './phrase-index.js';
import { closingComma, COLON, EM_DASH, punctIn, SEMICOLON } from './token-gaps.js';
import { isControllable, isFaction, nearest, type TypedHit } from './typed-hit.js';

/**
 * Only commas, "and", "or", "the" and capitalised words no hit covers (an unlisted place:
 * "Brackwater, Gullwick, Thornmere Landing and Lowmarket") between two hits: items of one list.
 */
function listed(text: string, tokens: Token[], hits: TypedHit[], a: TypedHit, b: TypedHit): Link {
  if (b.startTok < a.endTok) return Link.None;
  let joined = false;
  for (let j = a.endTok; j <= b.startTok; j++) {
    const gap = text.slice((tokens[j - 1] as Token).end, (tokens[j] as Token).start);
    if (!/^[\s,]*$/.test(gap)) return Link.None;
    if (j === b.startTok) break;
    // "captured Lowmarket and, a week later, Harrowgate": a time set off by commas after "and"
    if (joined && gap.includes(',') && tokens[j - 1]?.lower === 'and') {
      const close = closingComma(text, tokens, j);
      if (close > j && close <= j + 5 && close <= b.startTok) {
        j = close - 1;
        continue;
      }
    }
    const t = tokens[j] as Token;
    if (LIST_GLUE.has(t.lower)) {
      if (t.lower !== 'the') joined = true;
      continue;
    }
    const glue = LIST_PHRASES.get(t.lower);
    if (glue?.every((w, k) => tokens[j + 1 + k]?.lower === w)) {
      j += glue.length;
      joined = true;
      continue;
    }
    if (!t.cap || hits.some((h) => j >= h.startTok && j < h.endTok)) return Link.None;
  }
  return joined ? Link.Joined : Link.Comma;
}

/** How two places are listed: not at all, by commas only, or with a joining word ("and", "as well as"). */
const Link = { None: 0, Comma: 1, Joined: 2 } as const;
type Link = (typeof Link)[keyof typeof Link];

/**
 * "took Lowmarket, and Harrowgate fell to the Court": a place followed by a verb (or an
 * auxiliary) is the subject of the next clause, not one more item of the list before it.
 */
function opensClauseAfter(tokens: Token[], item: TypedHit): boolean {
  const w = tokens[item.endTok]?.lower ?? '';
  return (
    PASSIVE_AUX.has(w) ||
    PERFECT_AUX.has(w) ||
    // "no" only as a whole phrase: "and the Sunder Gap no longer" ends the list, opens no "no longer holds"
    (CONTROL_VERBS.firstKeys.mayHave(w) &&
      CONTROL_VERBS.byFirst.has(w) &&
      (w !== 'no' || matchPhrase(CONTROL_VERBS, tokens, item.endTok) !== null)) ||
    FELL_WORDS.has(w) ||
    (BASE_VERBS.firstKeys.mayHave(w) && BASE_VERBS.byFirst.has(w))
  );
}

/**
 * Between tokens `from` and `placeAt`: a short adjunct (a preposition and up to three lower-case
 * words, no punctuation but a comma before the joiner), then "and" (or ", and") and the place,
 * with "the" allowed before it: "Lowmarket in the spring and Harrowgate", "Brackwater at dawn and the Corrin Coast".
 */
function adjunctThenAnd(text: string, tokens: Token[], from: number, placeAt: number): boolean {
  if (!ADJUNCT_PREPOSITIONS.has(tokens[from]?.lower ?? '') || placeAt - from > 7) return false;
  let and = -1;
  for (let k = from; k < placeAt; k++) {
    const t = tokens[k] as Token;
    if (k > from && punctIn(text, (tokens[k - 1] as Token).end, t.start, SEMICOLON | COLON | EM_DASH)) return false;
    if (t.lower === 'and') and = k;
    else if (t.cap && k > from) return false;
  }
  if (and < from + 2) return false;
  const rest = placeAt - and;
  return rest === 1 || (rest === 2 && tokens[and + 1]?.lower === 'the');
}

/** The target and the controllable hits listed after it ("seized Lowmarket and Harrowgate"). */
export function withListAfter(text: string, tokens: Token[], hits: TypedHit[], first: TypedHit): TypedHit[] {
  const out = [first];
  let joined = false;
  for (;;) {
    const last = out[out.length - 1] as TypedHit;
    const next = nearest(hits, isControllable, last.endTok, 1);
    let link = next ? listed(text, tokens, hits, last, next) : Link.None;
    // "took Lowmarket in the spring and Harrowgate in the summer": an adjunct after an item
    if (next && link === Link.None && adjunctThenAnd(text, tokens, last.endTok, next.startTok)) link = Link.Joined;
    if (!next || link === Link.None || opensClauseAfter(tokens, next)) break;
    if (link === Link.Joined) joined = true;
    out.push(next);
  }
  // "seized Brackwater, Lowmarket and Vessa Landing": the joining word may come before an unlisted place
  const end = tokens[(out[out.length - 1] as TypedHit).endTok]?.lower;
  return joined || end === 'and' || end === 'or' ? out : [first];
}

/** The target and the controllable hits listed before it ("Harrowgate, Lowmarket and Prismwell are"). */
export function withListBefore(text: string, tokens: Token[], hits: TypedHit[], last: TypedHit): TypedHit[] {
  const out = [last];
  let joined = false;
  for (;;) {
    const first = out[0] as TypedHit;
    const prev = nearest(hits, isControllable, first.startTok, -1);
    const link = prev ? listed(text, tokens, hits, prev, first) : Link.None;
    if (!prev || link === Link.None) break;
    if (link === Link.Joined) joined = true;
    out.unshift(prev);
  }
  // "By the time they reached Prismwell, Brackwater had ...": commas alone make no list;
  // "The Tithe took Lowmarket, and Harrowgate fell": places after a verb are its objects, not this subject's list.
  const end = tokens[last.endTok]?.lower;
  return (joined || end === 'and' || end === 'or' || (out.length > 1 && gatheredAfter(text, tokens, out[0] as TypedHit, last))) &&
    !objectOfVerb(tokens, out[0] as TypedHit)
    ? out
    : [last];
}

/**
 * A list that opens its sentence (or "The"), closed by a colon or dash right after its last item and
 * a gathering word ("Lowmarket, Harrowgate, Prismwell: all fell to", "... — each of them").
 */
function gatheredAfter(text: string, tokens: Token[], first: TypedHit, last: TypedHit): boolean {
  const next = tokens[last.endTok];
  if (!next || !GATHERING.has(next.lower)) return false;
  if (first.startTok > (tokens[0]?.lower === 'the' ? 1 : 0)) return false;
  return punctIn(text, (tokens[last.endTok - 1] as Token).end, next.start, COLON | EM_DASH);
}

/** Does a verb stand right before the place (or before "the" and the place)? */
function objectOfVerb(tokens: Token[], h: TypedHit): boolean {
  const before = tokenAt(tokens, h.startTok - 1)?.lower === 'the' ? h.startTok - 2 : h.startTok - 1;
  const w = tokens[before]?.lower ?? '';
  return (
    (CONTROL_VERBS.firstKeys.mayHave(w) && CONTROL_VERBS.byFirst.has(w)) ||
    (BASE_VERBS.firstKeys.mayHave(w) && BASE_VERBS.byFirst.has(w))
  );
}

/** Does the sentence say "respectively"? Read only for a verb with several places. */
export function respectively(tokens: Token[]): boolean {
  for (const t of tokens) if (t.lower === 'respectively') return true;
  return false;
}

/** Factions joined by commas, "and" and "the" that end with `last` ("the Corsairs and the Iron Tithe"), in order. */
export function factionsListedBefore(text: string, tokens: Token[], hits: TypedHit[], last: TypedHit): TypedHit[] {
  const out = [last];
  for (;;) {
    const first = out[0] as TypedHit;
    const prev = nearest(hits, isFaction, first.startTok, -1);
    if (!prev || listed(text, tokens, hits, prev, first) === Link.None) return out;
    out.unshift(prev);
  }
}

/** Factions joined by commas, "and" and "the" that start with `first`, in order. */
export function factionsListedAfter(text: string, tokens: Token[], hits: TypedHit[], first: TypedHit): TypedHit[] {
  const out = [first];
  for (;;) {
    const last = out[out.length - 1] as TypedHit;
    const next = nearest(hits, isFaction, last.endTok, 1);
    if (!next || listed(text, tokens, hits, last, next) === Link.None) return out;
    out.push(next);
  }
}

/**
 * "lost Cinderhold to the Iron Tithe, Harrowgate to the Veiled Court, and the Sunder Gap to the
 * Kite Guild": more "<place> to/from <faction>" pairs right after the first one's faction (ending at
 * token `from`), each sharing the verb; [] when none follow.
 */
export function gappedPairs(tokens: Token[], hits: TypedHit[], from: number, word: string): Array<[TypedHit, TypedHit]> {
  const out: Array<[TypedHit, TypedHit]> = [];
  let k = from;
  for (;;) {
    if (tokens[k]?.lower === 'and') k++;
    if (tokens[k]?.lower === 'the') k++;
    const at = k;
    const place = hits.find((h) => h.startTok === at && isControllable(h));
    if (!place || tokens[place.endTok]?.lower !== word) return out;
    const f = tokens[place.endTok + 1]?.lower === 'the' ? place.endTok + 2 : place.endTok + 1;
    const faction = hits.find((h) => h.startTok === f && isFaction(h));
    if (!faction) return out;
    out.push([place, faction]);
    k = faction.endTok;
  }
}
