import type { EventBus, EventFilter } from './event-bus.js';
import type { StoredEvent } from './topics.js';

export interface OrderedEventStreamOptions {
  /** Committed events after `afterId` matching the topics and session, in id order (the store's events). */
  read(afterId: number, filter: Pick<EventFilter, 'topics' | 'sessionId'>, limit: number): Promise<StoredEvent[]>;
  bus: EventBus;
  filter: EventFilter;
  /** Deliver events after this id: a `Last-Event-ID` resume, or the newest id when the stream opened. */
  after: number;
  /** Rows read per query. */
  batch: number;
  /** Deliver one event; false stops the stream (the client went away or fell too far behind). */
  deliver(event: StoredEvent): boolean;
  onError(error: unknown): void;
}

/**
 * One subscriber's view of the event log (an SSE client): every committed event matching its
 * filter, in id order, none skipped, none twice, live or resumed. The bus only says that
 * something matching was committed (here or, through the relay, elsewhere); the events
 * themselves are read from the store after the last one delivered. That is exact because event
 * ids follow commit order (outbox.ts): once id N is visible, every event below N that will ever
 * commit has committed, so a reader that has read up to N never needs to look below it again.
 * Delivering straight from the bus would not be: two transactions' announcements (and a relayed
 * batch) can reach a process in another order than their ids.
 */
export class OrderedEventStream {
  private cursor: number;
  private pumping: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: OrderedEventStreamOptions) {
    this.cursor = options.after;
  }

  /** Start: deliver what is already stored after `after`, then follow new commits. */
  start(): Promise<void> {
    this.unsubscribe = this.options.bus.subscribe(this.options.filter, () => void this.wake());
    return this.wake();
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
  }

  /** Read now (coalescing concurrent wake-ups into one more pass). Resolves when caught up. */
  wake(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
    });
    return this.pumping;
  }

  private async pump(): Promise<void> {
    const { filter, batch } = this.options;
    // Prefixes are matched here, not in the query: a filtered page shorter than the batch would
    // otherwise look like the end of the log.
    const prefixes = filter.prefixes ?? [];
    const stored = { topics: filter.topics, sessionId: filter.sessionId };
    try {
      do {
        this.again = false;
        for (;;) {
          const page = await this.options.read(this.cursor, stored, batch);
          for (const event of page) {
            if (this.closed) return;
            this.cursor = event.id;
            if (prefixes.length > 0 && !prefixes.some((p) => event.topic.startsWith(p))) continue;
            if (!this.options.deliver(event)) {
              this.close();
              return;
            }
          }
          if (page.length < batch) break;
        }
      } while (this.again && !this.closed);
    } catch (error) {
      this.options.onError(error);
    }
  }
}
