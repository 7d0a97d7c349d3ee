import type { AdminAlert, AlertInput, Severity } from './alerts.js';
import type { EventRefs, Tx } from './outbox.js';
import type { EventPayload } from './topics.js';

/**
 * A module's topics: the names it emits, declared next to the code that emits them, and an
 * `emit` that accepts only those names (a typo is a compile error). The composition root
 * assembles every module's `names` into the catalogue (src/topic-catalogue.ts).
 */
export interface TopicSet<N extends string> {
  readonly names: readonly N[];
  emit(tx: Tx, topic: N, payload: EventPayload, refs?: EventRefs): Promise<void>;
}

export function declareTopics<const N extends string>(names: readonly N[]): TopicSet<N> {
  return { names, emit: (tx, topic, payload, refs) => tx.emit(topic, payload, refs) };
}

/** A module's admin alert reasons with their severities, and a `raise` that accepts only those. */
export interface AlertSet<R extends string> {
  readonly severities: Readonly<Record<R, Severity>>;
  raise(tx: Tx, reason: R, input: AlertInput): Promise<AdminAlert>;
}

export function declareAlerts<const R extends string>(severities: Readonly<Record<R, Severity>>): AlertSet<R> {
  return { severities, raise: (tx, reason, input) => tx.raiseAlert({ reason, severity: severities[reason], ...input }) };
}
