import type { SqlDriver } from '../store/ports.js';
import { CoalescingLoop } from './coalescing-loop.js';
import type { EventBus } from './event-bus.js';
import { foreignEventsAfter, latestEventId } from './event-store.js';
import type { Logger } from './logger.js';
import { eventsChannel } from './outbox.js';

export interface EventRelayOptions {
  driver: SqlDriver;
  bus: EventBus;
  /** This process's origin: its own events reach its bus directly and are not relayed. */
  origin: string;
  logger: Logger;
  /** Poll interval; with LISTEN/NOTIFY polling is only the fallback. Default 1000 ms. */
  intervalMs?: number;
  /** Rows read per query. Default 500. */
  batchSize?: number;
}

/** A second poll this long after a wake picks up events whose NOTIFY was throttled away. */
const trailingPollMs = 50;

/**
 * Cross-process events: publishes on the local bus the events other processes committed, so an
 * API process's SSE streams and metrics see what worker processes did.
 *
 * Event ids are assigned in commit order (see outbox.ts), so reading `id > highest` in id order
 * never skips an event: a gap in the ids is a rolled-back transaction's, for good. It starts at
 * the newest event at `start()`: history is read from the store, the relay only carries what
 * happens while it runs.
 */
export class EventRelay {
  private readonly batchSize: number;
  private readonly loop: CoalescingLoop;
  private highest = 0;
  private trailing: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  /** Events published so far (for metrics and tests). */
  relayed = 0;

  constructor(private readonly options: EventRelayOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.loop = new CoalescingLoop({
      step: async () => (await this.pollOnce()) === this.batchSize,
      intervalMs: options.intervalMs ?? 1_000,
      logger: options.logger,
      failureMessage: 'event relay poll failed; retrying at the next interval',
    });
  }

  async start(): Promise<void> {
    if (this.loop.isRunning) return;
    this.highest = Math.max(this.options.bus.lastEventId, await latestEventId(this.options.driver));
    this.loop.start();
    if (this.options.driver.capabilities.listenNotify && this.options.driver.listen) {
      this.unlisten = await this.options.driver.listen(eventsChannel, () => this.wake());
    }
  }

  async stop(): Promise<void> {
    if (!this.loop.isRunning) return;
    // The loop first: a NOTIFY arriving while we unlisten then starts no pass (pokes are no-ops).
    const stopped = this.loop.stop();
    clearTimeout(this.trailing);
    await this.unlisten?.().catch(() => undefined);
    clearTimeout(this.trailing);
    await stopped;
  }

  /** A NOTIFY arrived: poll now and once more shortly after. */
  private wake(): void {
    void this.poke();
    clearTimeout(this.trailing);
    this.trailing = setTimeout(() => void this.poke(), trailingPollMs);
    this.trailing.unref?.();
  }

  /** Run one poll (coalescing concurrent requests). Resolves when the events seen so far are published. */
  poke(): Promise<void> {
    return this.loop.poke();
  }

  /** Read the rows after `highest`; publish those other processes wrote, in id order. */
  private async pollOnce(): Promise<number> {
    const { driver, origin } = this.options;
    const fresh = await foreignEventsAfter(driver, this.highest, origin, this.batchSize);
    const last = fresh[fresh.length - 1];
    if (last) this.highest = Math.max(this.highest, last.id);
    const events = fresh.filter((event) => event.origin !== origin);
    if (events.length > 0) {
      this.relayed += events.length;
      this.options.bus.publish(events);
    }
    return fresh.length;
  }
}
