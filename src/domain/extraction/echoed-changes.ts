/**
 * Elliptical clauses, for change detection (detect-changes.ts): a place that only echoes the clause
 * before ("as did Harrowgate", "Harrowgate soon followed", "the Corsairs, Harrowgate") takes the
 * change of the place changed before it in the sentence.
 */
import { tokenAt } from '../text/token-at.js';
import type { Token } from '../text/tokens.js';
import { innerAdverb } from './adverbials.js';
import { ECHO_AUX } from './change-vocabulary.js';
import { asked, isNegated } from './clause-frames.js';
import { CLAUSE_PUNCT, COMMA, punctIn, SEMICOLON } from './token-gaps.js';
import { isControllable, isFaction, possessiveAfter, type TypedHit } from './typed-hit.js';
import type { AddChange } from './sentence-rule.js';
import type { ProposedChange } from './types.js';

/**
 * A place in an elliptical clause takes the change of the place named before it: "Lowmarket fell to
 * the Tithe, as did Harrowgate", "..., and so did Harrowgate", "took not just Lowmarket but
 * Harrowgate too", "...; Harrowgate soon followed"; and a gapped clause with its own taker: "The
 * Tithe took Lowmarket; the Corsairs, Harrowgate", "..., and the Corsairs Harrowgate". Only places
 * without a change of their own, only from a place changed earlier in the sentence; a negated or
 * asked clause echoes nothing ("as did not Harrowgate" is no English, "but Harrowgate did not" no echo).
 */
export function echoedChanges(
  text: string,
  tokens: Token[],
  hits: TypedHit[],
  out: Map<string, ProposedChange[]>,
  add: AddChange,
): void {
  for (let k = 1; k < hits.length; k++) {
    const h = hits[k] as TypedHit;
    if (!isControllable(h) || out.has(h.entityId)) continue;
    let j = k - 1;
    while (j >= 0 && !(isControllable(hits[j] as TypedHit) && out.has((hits[j] as TypedHit).entityId))) j--;
    if (j < 0) continue;
    const source = out.get((hits[j] as TypedHit).entityId) as ProposedChange[];
    const start = tokenAt(tokens, h.startTok - 1)?.lower === 'the' ? h.startTok - 1 : h.startTok;
    const b1 = tokenAt(tokens, start - 1)?.lower ?? '';
    const b2 = tokenAt(tokens, start - 2)?.lower ?? '';
    const a1 = tokens[h.endTok]?.lower ?? '';
    const a2 = tokens[h.endTok + 1]?.lower ?? '';
    const endsAfter = (n: number) =>
      h.endTok + n >= tokens.length ||
      punctIn(text, (tokens[h.endTok + n - 1] as Token).end, (tokens[h.endTok + n] as Token).start, CLAUSE_PUNCT);
    const opensClause =
      b1 === 'and' ||
      b1 === 'then' ||
      (start > 0 && punctIn(text, (tokens[start - 1] as Token).end, (tokens[start] as Token).start, CLAUSE_PUNCT));
    let echo = false;
    let gainer: TypedHit | null = null;
    // "as did Harrowgate", "and so did Harrowgate"
    if ((b2 === 'as' || b2 === 'so') && ECHO_AUX.has(b1) && !possessiveAfter(text, tokens, h)) echo = true;
    // "but Harrowgate too", "and Harrowgate as well"
    else if ((b1 === 'and' || b1 === 'but') && ((a1 === 'too' && endsAfter(1)) || (a1 === 'as' && a2 === 'well' && endsAfter(2))))
      echo = true;
    // "; Harrowgate soon followed", "and Harrowgate followed suit"
    else if (opensClause && (a1 === 'followed' || (innerAdverb(a1) && a2 === 'followed'))) echo = true;
    else if (endsAfter(0)) {
      // "; the Corsairs, Harrowgate", ", and the Corsairs Harrowgate": a faction, then the place, and nothing else
      const f = hits[k - 1] as TypedHit;
      const fStart = tokenAt(tokens, f.startTok - 1)?.lower === 'the' ? f.startTok - 1 : f.startTok;
      const between = start - f.endTok;
      const fOpens =
        fStart > 0 &&
        (punctIn(text, (tokens[fStart - 1] as Token).end, (tokens[fStart] as Token).start, SEMICOLON) ||
          (tokens[fStart - 1]?.lower === 'and' &&
            punctIn(text, (tokens[fStart - 2] as Token | undefined)?.end ?? 0, (tokens[fStart - 1] as Token).start, COMMA)));
      if (isFaction(f) && between === 0 && fOpens) gainer = f;
    }
    if (!echo && !gainer) continue;
    if (isNegated(text, tokens, h.startTok) || asked(text, tokens, h.startTok)) continue;
    for (const c of source) {
      if (gainer) {
        if (c.kind === 'control' && c.to !== null && c.to !== gainer.entityId)
          add(h.entityId, { kind: 'control', field: 'controlledBy', to: gainer.entityId, from: null, verb: c.verb }, h.startTok);
      } else if (c.kind === 'control') add(h.entityId, { ...c, from: null }, h.startTok);
      else add(h.entityId, c, h.startTok);
    }
  }
}
