import type { SqlDriver } from '../store/ports.js';
import { readInt, readJson } from '../store/ports.js';
import { eventsChannel } from '../store/unit-of-work.js';
import type { EventBus } from './event-bus.js';
import type { Logger } from './logger.js';
import type { EventPayload, StoredEvent, Topic } from './topics.js';

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
  /** How long a missing event id is waited for before it is given up as rolled back. Default 10 s. */
  gapGraceMs?: number;
}

/** A second poll this long after a wake picks up events whose NOTIFY was throttled away. */
const trailingPollMs = 50;

/**
 * Cross-process events: publishes on the local bus the events other processes committed, so an
 * API process's SSE streams and metrics see what worker processes did.
 *
 * Event ids come from a sequence, and sequence order is not commit order: id 41 may commit after
 * id 42. So the relay remembers the ids it skipped over ("missing") and re-checks them for
 * `gapGraceMs`; an id still missing after that belonged to a rolled-back transaction (savepoint
 * rollbacks leave such gaps routinely). It starts at the newest event at `start()`: history is
 * read from the store, the relay only carries what happens while it runs.
 */
export class EventRelay {
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly gapGraceMs: number;
  private highest = 0;
  private readonly missing = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private trailing: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private polling: Promise<void> | null = null;
  private again = false;
  private running = false;
  /** Events published so far (for metrics and tests). */
  relayed = 0;

  constructor(private readonly options: EventRelayOptions) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.batchSize = options.batchSize ?? 500;
    this.gapGraceMs = options.gapGraceMs ?? 10_000;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const [row] = await this.options.driver.query<{ id: unknown }>('SELECT COALESCE(MAX(id), 0) AS id FROM events');
    this.highest = Math.max(this.options.bus.lastEventId, readInt(row?.id ?? 0));
    this.running = true;
    if (this.options.driver.listen) {
      this.unlisten = await this.options.driver.listen(eventsChannel, () => this.wake());
    }
    this.timer = setInterval(() => void this.poke(), this.intervalMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.timer);
    clearTimeout(this.trailing);
    await this.unlisten?.().catch(() => undefined);
    await this.polling;
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
    if (!this.running) return Promise.resolve();
    if (this.polling) {
      this.again = true;
      return this.polling;
    }
    this.polling = (async () => {
      do {
        this.again = false;
        try {
          while ((await this.pollOnce()) === this.batchSize && this.running) {
            // A full batch: there is more to read right away.
          }
        } catch (error) {
          this.options.logger.warn({ err: error }, 'event relay poll failed; retrying at the next interval');
        }
      } while (this.again && this.running);
    })().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  /** Read new rows after `highest`, and re-check ids we skipped over; publish foreign ones in id order. */
  private async pollOnce(): Promise<number> {
    const { driver, origin } = this.options;
    const columns = `id, origin, topic, session_id, job_id, created_at, CASE WHEN origin <> ? THEN payload END AS payload`;
    const fresh = await driver.query(`SELECT ${columns} FROM events WHERE id > ? ORDER BY id LIMIT ?`, [
      origin,
      this.highest,
      this.batchSize,
    ]);
    const now = Date.now();
    let late: typeof fresh = [];
    if (this.missing.size > 0) {
      for (const [id, since] of this.missing) if (now - since > this.gapGraceMs) this.missing.delete(id);
      const ids = [...this.missing.keys()].slice(0, 500);
      if (ids.length > 0) {
        late = await driver.query(`SELECT ${columns} FROM events WHERE id IN (${ids.map(() => '?').join(', ')})`, [
          origin,
          ...ids,
        ]);
        for (const row of late) this.missing.delete(readInt(row.id));
      }
    }
    for (const row of fresh) {
      const id = readInt(row.id);
      // Bounded: a huge jump (sequence reset, bulk import) is not worth tracking id by id.
      if (id - this.highest <= 10_000) for (let gap = this.highest + 1; gap < id; gap++) this.missing.set(gap, now);
      this.highest = Math.max(this.highest, id);
    }
    const events: StoredEvent[] = [...late, ...fresh]
      .filter((row) => row.origin !== origin)
      .map((row) => ({
        id: readInt(row.id),
        topic: row.topic as Topic,
        sessionId: (row.session_id as string | null) ?? null,
        jobId: (row.job_id as string | null) ?? null,
        origin: String(row.origin),
        payload: readJson<EventPayload>(row.payload, {}),
        createdAt: readInt(row.created_at),
      }))
      .sort((a, b) => a.id - b.id);
    if (events.length > 0) {
      this.relayed += events.length;
      this.options.bus.publish(events);
    }
    return fresh.length;
  }
}
