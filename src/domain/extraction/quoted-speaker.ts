/**
 * Who speaks a quotation, for change detection: "ours" and "we" inside quotes are the speaker's
 * faction, named outside them.
 */
import type { Token } from '../text/tokens.js';
import { SPEECH_VERBS } from './change-vocabulary.js';
import { isFaction, nearest, type TypedHit } from './typed-hit.js';

/**
 * The faction of whoever says the quotation around token `at`: named in the attribution after
 * its closing quote ('"The valley is ours now," said the Tithe captain') or before its opening
 * one ('The Corsair captain said: "Brackwater is ours now."'), with a verb of saying within
 * 4 words of it. Null when the sentence quotes nobody or the speaker has no faction.
 */
export function speakerFaction(text: string, tokens: Token[], hits: TypedHit[], at: number): TypedHit | null {
  const quoteAt = (p: number) => {
    const c = text.charCodeAt(p);
    return c === 34 || c === 0x201c || c === 0x201d;
  };
  const said = (from: number, to: number) => {
    for (let k = Math.max(0, from); k < to && k < tokens.length; k++)
      if (SPEECH_VERBS.has((tokens[k] as Token).lower)) return true;
    return false;
  };
  let close = -1;
  for (let p = (tokens[at] as Token).end; p < text.length && close < 0; p++) if (quoteAt(p)) close = p;
  if (close >= 0) {
    const f = hits.find((h) => isFaction(h) && (tokens[h.startTok] as Token).start > close);
    if (f && said(f.startTok - 3, f.endTok + 3)) return f;
  }
  let open = -1;
  for (let p = (tokens[at] as Token).start - 1; p >= 0 && open < 0; p--) if (quoteAt(p)) open = p;
  if (open >= 0) {
    const f = nearest(hits, (h) => isFaction(h) && (tokens[h.endTok - 1] as Token).end < open, at, -1);
    if (f && said(f.startTok - 3, f.endTok + 4)) return f;
  }
  return null;
}
