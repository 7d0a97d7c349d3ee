import type { Token } from './tokens.js';

/**
 * tokens[i], or undefined when i is before the first token. A negative index is no array index
 * to V8 but a property name ("-1"): `tokens[i - 1]?.lower` at a sentence's first token sent that
 * load site to the generic keyed-load stub, a number-to-string conversion and a prototype-chain
 * look-up, and left it there for every later index too. Past the end, tokens[i] is cheap (V8
 * answers undefined on the fast path), so only the lower bound is checked.
 */
export function tokenAt(tokens: readonly Token[], i: number): Token | undefined {
  return i >= 0 ? tokens[i] : undefined;
}
