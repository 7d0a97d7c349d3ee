import { createRequire } from 'node:module';

export interface TaggedToken {
  text: string;
  pos: string;
}

/** The only thing extraction needs from an NLP library: tokens with part-of-speech tags. */
export interface PosTagger {
  tag(sentence: string): TaggedToken[];
}

interface WinkDoc {
  tokens(): { out(f?: unknown): string[] };
}
interface WinkNlp {
  readDoc(text: string): WinkDoc;
  its: { pos: unknown; value: unknown };
}

let shared: PosTagger | null = null;

/**
 * wink-nlp with its English lite model, loaded on first use and shared: the model is
 * immutable and takes ~100 ms to load, so loading per session (or per lexicon) would cost
 * more than tagging a 10,000-turn transcript. Only the `pos` pipe is enabled; sentence
 * splitting and NER pipes are skipped because we tag single pre-filtered sentences.
 */
export function winkPosTagger(): PosTagger {
  if (shared) return shared;
  const require = createRequire(import.meta.url);
  const winkNLP = require('wink-nlp') as (model: unknown, pipe: string[]) => WinkNlp;
  const model = require('wink-eng-lite-web-model') as unknown;
  const nlp = winkNLP(model, ['pos']);
  shared = {
    tag(sentence: string): TaggedToken[] {
      const tokens = nlp.readDoc(sentence).tokens();
      const texts = tokens.out();
      const pos = tokens.out(nlp.its.pos);
      return texts.map((text, i) => ({ text, pos: pos[i] ?? 'X' }));
    },
  };
  return shared;
}
