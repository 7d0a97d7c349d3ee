import type { Logger } from './logger.js';
import type { StoredEvent } from './topics.js';

export type EventListener = (event: StoredEvent) => void | Promise<void>;

export interface EventFilter {
  /** Exact topic names. */
  topics?: readonly string[] | undefined;
  /** Topic prefixes such as `offline.` */
  prefixes?: readonly string[] | undefined;
  sessionId?: string | undefined;
}

function matches(filter: EventFilter, event: StoredEvent): boolean {
  if (filter.sessionId && event.sessionId !== filter.sessionId) return false;
  if (filter.topics && filter.topics.length > 0 && !filter.topics.includes(event.topic)) return false;
  if (filter.prefixes && filter.prefixes.length > 0 && !filter.prefixes.some((p) => event.topic.startsWith(p))) return false;
  return true;
}

/**
 * In-process fan-out of committed events. Listeners run asynchronously (after the publisher's
 * call returns) and a listener's error is logged, never propagated to the publisher.
 */
export class EventBus {
  private readonly listeners = new Set<{ filter: EventFilter; listener: EventListener }>();
  private lastId = 0;

  constructor(private readonly logger: Logger) {}

  /** The highest event id seen by this process; the cross-process relay resumes after it. */
  get lastEventId(): number {
    return this.lastId;
  }

  subscribe(filter: EventFilter, listener: EventListener): () => void {
    const entry = { filter, listener };
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  publish(events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    for (const event of events) if (event.id > this.lastId) this.lastId = event.id;
    const targets = [...this.listeners];
    queueMicrotask(() => {
      for (const event of events) {
        for (const { filter, listener } of targets) {
          if (!matches(filter, event)) continue;
          try {
            const result = listener(event);
            if (result && typeof (result as Promise<void>).catch === 'function') {
              (result as Promise<void>).catch((error: unknown) => this.reportListenerError(event, error));
            }
          } catch (error) {
            this.reportListenerError(event, error);
          }
        }
      }
    });
  }

  private reportListenerError(event: StoredEvent, error: unknown): void {
    this.logger.error({ err: error, topic: event.topic, eventId: event.id }, 'event listener failed');
  }
}
