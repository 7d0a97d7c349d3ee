import type { Lexicon } from './lexicon.js';
import type { CapabilityRef } from './types.js';

/**
 * Turns a capability id from metadata or the change feed into a ref. An id the operator's
 * list does not know is kept with `known: false` so moderation sees it (spec 9: unknown
 * refs used to be dropped silently).
 */
export function resolveCapabilityId(lexicon: Lexicon, id: string): CapabilityRef {
  const cap = lexicon.capabilityById.get(id);
  return cap
    ? { capabilityId: cap.id, severity: cap.severity, known: true, matchedText: null }
    : { capabilityId: id, severity: 'unknown', known: false, matchedText: null };
}

/** Refs with duplicates (by capability id) removed; returns `into` itself when nothing is new. */
export function mergeCapabilityRefs(into: readonly CapabilityRef[], refs: readonly CapabilityRef[]): CapabilityRef[] {
  let out: CapabilityRef[] | null = null;
  for (const r of refs) {
    const cur = out ?? into;
    if (!cur.some((x) => x.capabilityId === r.capabilityId)) (out ??= [...into]).push(r);
  }
  return out ?? (into as CapabilityRef[]);
}
