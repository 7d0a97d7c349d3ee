/**
 * Events as telemetry sees them. Every module that emits declares its own topics next to its
 * code (`declareTopics` in declare.ts: the engine its `engine.job.*`, the closure workflow its
 * `offline.*`, ...); the composition root assembles them into the catalogue (src/topic-catalogue.ts)
 * that the API validates `?topic=` against. Events are committed rows (table `events`, owned by
 * telemetry/event-store.ts) before they are announced, so the log, metrics, the SSE stream and
 * other processes all see the same history in the same order.
 */

export type EventPayload = Record<string, unknown>;

/**
 * An event as committed. `id` is the store's event id, assigned in commit order (see
 * event-store.ts): an event with a higher id never commits before one with a lower id, so a
 * reader that has seen id N has seen every committed event up to N.
 */
export interface StoredEvent {
  id: number;
  topic: string;
  sessionId: string | null;
  jobId: string | null;
  origin: string;
  payload: EventPayload;
  createdAt: number;
}

/** Telemetry's own topics: persisted admin alerts and their acknowledgement. */
export const telemetryTopicNames = [
  'admin.alert',
  'admin.alert.acknowledged',
  'admin.alert.resolved',
  'admin.alert.escalated',
] as const;
