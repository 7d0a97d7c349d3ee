import { performance } from 'node:perf_hooks';
import type { Clock, IdSource } from '../clock.js';
import type { Row, RunResult, SqlDriver, SqlExecutor } from '../store/ports.js';
import { createStore, type Store } from '../store/store.js';
import type { DeferredWrite, StoreTx } from '../store/transaction.js';
import { insertAlerts, openAlertOfCause } from './alert-store.js';
import type { AdminAlert, AlertInput, Severity } from './alerts.js';
import type { EventBus } from './event-bus.js';
import { insertEvents } from './event-store.js';
import type { EventPayload, StoredEvent } from './topics.js';

export interface EventRefs {
  sessionId?: string | null | undefined;
  jobId?: string | null | undefined;
}

/**
 * A store transaction plus the outbox. `emit` and `raiseAlert` add rows that are written just
 * before the transaction commits (one multi-row INSERT per batch); the events reach the
 * in-process bus only after the commit, so nothing is announced that did not happen (and a
 * rolled-back step announces nothing). Modules emit through their declared topics
 * (`declareTopics`, declare.ts), which type-check the topic names.
 */
export interface Tx extends StoreTx {
  /** The process that writes, as stored with each event (relays skip their own process's events). */
  readonly origin: string;
  emit(topic: string, payload: EventPayload, refs?: EventRefs): Promise<void>;
  raiseAlert(alert: { reason: string; severity: Severity } & AlertInput): Promise<AdminAlert>;
  /**
   * Events a statement of this transaction wrote itself (set-based, e.g. the claim's
   * `engine.job.started` rows): announced after the commit exactly like emitted ones. The
   * statement took the commit-order lock before writing them (`eventOrderLock`, or `orderEvents`).
   */
  recordWritten(events: readonly StoredEvent[]): void;
  /** Take the events' commit-order lock now, as a statement of its own. */
  orderEvents(): Promise<void>;
  /**
   * The commit-order lock as an SQL expression (with its parameters), for a statement that writes
   * events itself to evaluate before its first event row; null where the store needs none.
   */
  eventOrderLock(): { sql: string; params: unknown[] } | null;
}

/** The notification channel that wakes other processes' event relays (event-relay.ts). */
export const eventsChannel = 'afterword_events';

/**
 * At most one events NOTIFY per this many milliseconds per process, sent after the commit on its
 * own (not inside the transaction: PostgreSQL serialises commits that carry a NOTIFY, and it
 * would cost every transaction a round trip). Relays poll once more shortly after a wake to
 * pick up events whose notification was skipped, and poll on an interval anyway.
 */
const eventsNotifyIntervalMs = 25;

/** The name of the lock that orders event ids by commit (see `OutboxWrite.flush`). */
const eventOrderLock = 'afterword.events';

/** Whether a transaction's wrapper already holds the commit-order lock. */
interface LockState {
  held: boolean;
}

type OutboxItem =
  | { kind: 'event'; event: StoredEvent; lock: LockState }
  | { kind: 'alert'; alert: AdminAlert & { jobId: string | null }; lock: LockState };

export interface OutboxOptions {
  bus: EventBus;
  driver: SqlDriver;
  ids: IdSource;
  /** Identifies this process in the events it writes. */
  origin: string;
}

/**
 * The outbox: events and alerts written with the transaction that caused them, announced on
 * the bus after it commits, and a throttled NOTIFY for other processes' relays. It plugs into
 * the store as the store's `extend` function, so the store itself knows nothing of topics.
 *
 * Event ids are assigned in commit order. SQLite has one writer at a time, so that holds by
 * itself. On PostgreSQL a sequence value taken by a transaction that commits late would appear
 * BELOW ids already read (the live stream and `Last-Event-ID` resumes would skip it), so the
 * events of a transaction are inserted while holding a lock kept until its COMMIT: transactions
 * that write events commit one after another from that instant on. The cost is that those
 * commits no longer overlap (measured in docs/benchmarks.md); group commit keeps their number
 * small.
 */
export class Outbox {
  private lastNotifyAt = Number.NEGATIVE_INFINITY;
  private readonly write: DeferredWrite<OutboxItem>;

  constructor(readonly options: OutboxOptions) {
    const lock = options.driver.fragments.transactionLock;
    this.write = {
      name: 'outbox',
      phase: 'commit',
      async flush(executor, items) {
        const alerts = items.flatMap((i) => (i.kind === 'alert' ? [i.alert] : []));
        const pending = items.flatMap((i) => (i.kind === 'event' && i.event.id === 0 ? [i.event] : []));
        if (alerts.length === 0 && pending.length === 0) return;
        if (lock && !items.every((i) => i.lock.held)) await executor.run(`SELECT ${lock}`, [eventOrderLock]);
        if (alerts.length > 0) await insertAlerts(executor, alerts);
        if (pending.length > 0) await insertEvents(executor, pending);
      },
      committed: (items) => {
        const events = items.flatMap((i) => (i.kind === 'event' ? [i.event] : [])).sort((a, b) => a.id - b.id);
        if (events.length === 0) return;
        this.notifyRelays();
        options.bus.publish(events);
      },
    };
  }

  get origin(): string {
    return this.options.origin;
  }

  /** The store's `extend`: a plain store transaction with this outbox attached. */
  readonly extend = (tx: StoreTx): Tx => new OutboxTx(tx, this.write, this.options);

  /** Wake other processes' relays after a commit that wrote events, throttled; where the driver can notify. */
  private notifyRelays(): void {
    const { driver } = this.options;
    if (!driver.capabilities.listenNotify || !driver.notify) return;
    const now = performance.now();
    if (now - this.lastNotifyAt < eventsNotifyIntervalMs) return;
    this.lastNotifyAt = now;
    // Best effort: a lost wake-up only delays relays until their next poll.
    driver.notify(driver, eventsChannel, '').catch(() => undefined);
  }
}

class OutboxTx implements Tx {
  private readonly lock: LockState = { held: false };
  /** Alerts raised in this transaction, by cause (not in the table until the commit). */
  private readonly causes = new Map<string, AdminAlert>();

  constructor(
    private readonly tx: StoreTx,
    private readonly write: DeferredWrite<OutboxItem>,
    private readonly options: OutboxOptions,
  ) {}

  get now(): number {
    return this.tx.now;
  }

  get origin(): string {
    return this.options.origin;
  }

  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return this.tx.query<R>(sql, params);
  }

  run(sql: string, params?: readonly unknown[]): Promise<RunResult> {
    return this.tx.run(sql, params);
  }

  get notifyOnCommit(): SqlExecutor['notifyOnCommit'] {
    return this.tx.notifyOnCommit;
  }

  afterCommit(fn: () => void): void {
    this.tx.afterCommit(fn);
  }

  defer<T>(write: DeferredWrite<T>, item: T): void {
    this.tx.defer(write, item);
  }

  async emit(topic: string, payload: EventPayload, refs: EventRefs = {}): Promise<void> {
    const sessionId = refs.sessionId ?? (typeof payload.sessionId === 'string' ? payload.sessionId : null);
    const jobId = refs.jobId ?? (typeof payload.jobId === 'string' ? payload.jobId : null);
    const event: StoredEvent = { id: 0, topic, sessionId, jobId, origin: this.origin, payload, createdAt: this.now };
    this.tx.defer(this.write, { kind: 'event', event, lock: this.lock });
  }

  async raiseAlert(input: { reason: string; severity: Severity } & AlertInput): Promise<AdminAlert> {
    // Deduplicated per cause: while a cause has an unresolved alert, raising it again is that alert.
    if (input.causeKey) {
      const raised = this.causes.get(input.causeKey);
      if (raised) return raised;
      const open = await openAlertOfCause(this.tx, input.causeKey);
      if (open) return open;
    }
    const alert: AdminAlert = {
      id: this.options.ids.uuid(),
      topic: 'admin.alert',
      sessionId: input.sessionId ?? null,
      createdAt: this.now,
      severity: input.severity,
      reason: input.reason,
      data: { ...(input.data ?? {}), ...(input.sessionId ? { sessionId: input.sessionId } : {}) },
      ...(input.causeKey ? { causeKey: input.causeKey } : {}),
    };
    if (input.causeKey) this.causes.set(input.causeKey, alert);
    // Like events, the row is written just before the commit, with the transaction's other alerts.
    this.tx.defer(this.write, { kind: 'alert', alert: { ...alert, jobId: input.jobId ?? null }, lock: this.lock });
    await this.emit('admin.alert', alert as unknown as EventPayload, { sessionId: alert.sessionId, jobId: input.jobId ?? null });
    return alert;
  }

  recordWritten(events: readonly StoredEvent[]): void {
    // The statement that wrote them took the lock; they already have ids, so the flush leaves them alone.
    if (events.length > 0) this.lock.held = true;
    for (const event of events) this.tx.defer(this.write, { kind: 'event', event, lock: this.lock });
  }

  async orderEvents(): Promise<void> {
    const lock = this.options.driver.fragments.transactionLock;
    if (!lock || this.lock.held) return;
    await this.tx.run(`SELECT ${lock}`, [eventOrderLock]);
    this.lock.held = true;
  }

  eventOrderLock(): { sql: string; params: unknown[] } | null {
    const lock = this.options.driver.fragments.transactionLock;
    return lock ? { sql: lock, params: [eventOrderLock] } : null;
  }
}

/** A store on `driver` whose transactions carry an outbox announcing on `bus` (tools, tests, benchmarks). */
export function createOutboxStore(
  driver: SqlDriver,
  location: string,
  options: Omit<OutboxOptions, 'driver'> & { clock: Clock },
): Store<Tx> {
  const outbox = new Outbox({ ...options, driver });
  return createStore(driver, location, { clock: options.clock, extend: outbox.extend }, null);
}
