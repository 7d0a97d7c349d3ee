/**
 * Passives, for change detection (detect-changes.ts): the auxiliary of a passive verb ("was
 * finally overrun", "was besieged, stormed and taken"), its agent ("by the Corsairs", "by soldiers
 * of the Iron Tithe"), and the place a fronted participial clause is about.
 */
import type { Token } from '../text/tokens.js';
import { beforeAdverbials, innerAdverb } from './adverbials.js';
import { GET_PASSIVE, PASSIVE_AUX } from './change-vocabulary.js';
import { groupDescriptionFrom } from './group-descriptions.js';
import { OBJECT_PRONOUNS } from './place-references.js';
import { CLAUSE_PUNCT, closingComma, COLON, COMMA, EM_DASH, punctIn, SEMICOLON } from './token-gaps.js';
import { isControllable, isFaction, nearest, type TypedHit } from './typed-hit.js';

/**
 * The passive auxiliary before a verb, with up to two adverbials between ("was finally overrun",
 * "had already been retaken", "was at last captured", "was, after a long siege, captured"); else -1.
 */
export function auxBefore(text: string, tokens: Token[], at: number): number {
  const j = beforeAdverbials(text, tokens, at, 2, PASSIVE_AUX);
  if (j < 0) return -1;
  const w = (tokens[j] as Token).lower;
  // "Lowmarket got overrun by the Corsairs": the get-passive, right before its participle
  if (PASSIVE_AUX.has(w) || (GET_PASSIVE.has(w) && j === at - 1)) return j;
  // "was besieged, stormed and finally taken by": the auxiliary of the first of coordinated participles
  return w === 'and' || w === 'or' ? coordinatedAux(text, tokens, j) : -1;
}

/**
 * The passive auxiliary before "and" (token `and`) when only participles, commas and adverbs stand
 * between them ("was besieged, stormed and ..."), in the same clause; else -1.
 */
function coordinatedAux(text: string, tokens: Token[], and: number): number {
  for (let j = and - 1; j >= 0 && j >= and - 6; j--) {
    if (punctIn(text, (tokens[j] as Token).end, (tokens[j + 1] as Token).start, SEMICOLON | COLON)) return -1;
    const w = (tokens[j] as Token).lower;
    if (PASSIVE_AUX.has(w)) return j < and - 1 ? j : -1;
    if (!PARTICIPLE_END.test(w) && !innerAdverb(w)) return -1;
  }
  return -1;
}

/** How most past participles end ("besieged", "taken", "overrun", "thrown", "caught", "burnt"). */
const PARTICIPLE_END = /(ed|en|wn|un|ht|nt)$/;

/**
 * The subject of the main clause after an opening participial clause that ends at the first comma
 * after its agent: a place right after that comma (or after "the"), else null.
 */
export function frontedSubject(text: string, tokens: Token[], hits: TypedHit[], agent: TypedHit): TypedHit | null {
  for (let k = agent.endTok; k < tokens.length; k++) {
    if (!punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, COMMA)) continue;
    const at = tokens[k]?.lower === 'the' ? k + 1 : k;
    return hits.find((h) => h.startTok === at && isControllable(h)) ?? null;
  }
  return null;
}

/** How far after a passive verb its "by <faction>" may stand ("was seized in the dead of night by ..."). */
const MAX_AGENT_DISTANCE = 7;

/**
 * "by <faction>" (or "by them") within MAX_AGENT_DISTANCE words after a passive verb, in the same
 * sentence part. A parenthetical set off by commas right after the verb does not count towards the
 * distance ("was taken, after three days of fighting in the lower streets, by the Corsairs").
 */
export function agentAfter(
  text: string,
  tokens: Token[],
  hits: TypedHit[],
  from: number,
  antecedent: TypedHit | null,
): TypedHit | null {
  let limit = from + MAX_AGENT_DISTANCE;
  if (from > 0 && from < tokens.length && punctIn(text, (tokens[from - 1] as Token).end, (tokens[from] as Token).start, COMMA)) {
    const close = closingComma(text, tokens, from);
    if (close > 0) limit = Math.max(limit, close + MAX_AGENT_DISTANCE);
  }
  for (let k = from; k < tokens.length && k < limit; k++) {
    if (k > from && punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, SEMICOLON | COLON)) return null;
    if ((tokens[k] as Token).lower !== 'by') continue;
    if (OBJECT_PRONOUNS.has(tokens[k + 1]?.lower ?? '')) return antecedent;
    const f = nearest(hits, isFaction, k + 1, 1);
    if (f && (f.startTok <= k + 3 || agentHead(text, tokens, k, f.startTok))) return f;
    // "taken by the newcomers": a description of the faction named before
    if (antecedent && groupDescriptionFrom(tokens, k + 1) >= 0) return antecedent;
    // "seized, village by village, by the Thalric Order", "taken by night by the Tithe": a "by"
    // that names no agent is another phrase; read on to the next one.
  }
  return null;
}

/**
 * "by soldiers of the Iron Tithe", "by the vanguard of the Thalric Order": a group of a faction as
 * the agent, one or two lower-case words and "of" between "by" (token `by`) and the faction.
 */
function agentHead(text: string, tokens: Token[], by: number, factionAt: number): boolean {
  let of = -1;
  for (let j = by + 1; j < factionAt; j++) {
    const t = tokens[j] as Token;
    if (punctIn(text, (tokens[j - 1] as Token).end, t.start, CLAUSE_PUNCT | EM_DASH) || t.cap) return false;
    if (t.lower === 'of') of = j;
  }
  return of > by + 1 && of <= by + 3 && factionAt <= of + 2;
}
