import type { Clock, IdSource } from '../clock.js';
import type { EventBus } from '../telemetry/event-bus.js';
import {
  type AdminAlert,
  type AlertReason,
  alertReasons,
  type EventPayload,
  type StoredEvent,
  type Topic,
} from '../telemetry/topics.js';
import { insertRows } from './insert-rows.js';
import type { Row, RunResult, SqlDriver, SqlExecutor, TransactionOptions } from './ports.js';

export interface EventRefs {
  sessionId?: string | null | undefined;
  jobId?: string | null | undefined;
}

export interface AlertInput {
  reason: AlertReason;
  sessionId?: string | null | undefined;
  jobId?: string | null | undefined;
  data?: Record<string, unknown>;
}

/**
 * A transaction plus an outbox. `emit` and `raiseAlert` write rows inside the transaction (just
 * before it commits); the events reach the in-process bus only after the commit, so nothing is announced that did not
 * happen (and a rolled-back step announces nothing).
 */
export interface Tx extends SqlExecutor {
  readonly now: number;
  /** The process that writes, as stored with each event. */
  readonly origin: string;
  emit(topic: Topic, payload: EventPayload, refs?: EventRefs): Promise<void>;
  raiseAlert(input: AlertInput): Promise<AdminAlert>;
  /**
   * Events a statement of this transaction wrote itself (set-based, e.g. the claim's
   * `engine.job.started` rows): announced after the commit exactly like emitted ones.
   */
  recordWritten(events: readonly StoredEvent[]): void;
  /** Run after a successful commit (for wake-ups); never for a rolled-back transaction. */
  afterCommit(fn: () => void): void;
  /**
   * Add a row to a set-based write that runs once, just before the commit, for every operation
   * of a group-committed batch together (see `DeferredWrite`).
   */
  defer<T>(write: DeferredWrite<T>, item: T): void;
}

/**
 * A write many operations of one transaction contribute rows to, run as ONE statement before the
 * commit instead of one statement per operation. `flush` must throw if any row could not be
 * written (a fence failed): the runner then rolls back and settles each operation on its own,
 * flushing each operation's rows inside its savepoint, so the failure lands on the right one.
 * This is how a batch of job completions costs one round trip on PostgreSQL.
 */
export interface DeferredWrite<T> {
  readonly name: string;
  flush(executor: SqlExecutor, items: readonly T[]): Promise<void>;
}

/** Deferred rows collected for one flush, in the order they were added. */
class DeferredRows {
  private readonly rows = new Map<DeferredWrite<unknown>, unknown[]>();

  add<T>(write: DeferredWrite<T>, item: T): void {
    const list = this.rows.get(write as DeferredWrite<unknown>);
    if (list) list.push(item);
    else this.rows.set(write as DeferredWrite<unknown>, [item]);
  }

  async flush(executor: SqlExecutor): Promise<void> {
    for (const [write, items] of this.rows) await write.flush(executor, items);
    this.rows.clear();
  }
}

class OutboxTx implements Tx {
  readonly events: StoredEvent[] = [];
  /** Alert rows to write at commit, in `alertColumns` order. */
  readonly alerts: unknown[][] = [];
  readonly callbacks: Array<() => void> = [];

  constructor(
    private readonly executor: SqlExecutor,
    readonly now: number,
    readonly origin: string,
    private readonly ids: IdSource,
    private readonly deferred: DeferredRows,
  ) {}

  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return this.executor.query<R>(sql, params);
  }

  run(sql: string, params?: readonly unknown[]): Promise<RunResult> {
    return this.executor.run(sql, params);
  }

  get notifyOnCommit(): SqlExecutor['notifyOnCommit'] {
    return this.executor.notifyOnCommit;
  }

  /**
   * The event row is written with the transaction's other events just before it commits (one
   * multi-row INSERT instead of one statement per event), so it still commits or rolls back with
   * everything else; its id is known once written.
   */
  async emit(topic: Topic, payload: EventPayload, refs: EventRefs = {}): Promise<void> {
    const sessionId = refs.sessionId ?? (typeof payload.sessionId === 'string' ? payload.sessionId : null);
    const jobId = refs.jobId ?? (typeof payload.jobId === 'string' ? payload.jobId : null);
    this.events.push({ id: 0, topic, sessionId, jobId, origin: this.origin, payload, createdAt: this.now });
  }

  async raiseAlert(input: AlertInput): Promise<AdminAlert> {
    const alert: AdminAlert = {
      id: this.ids.uuid(),
      topic: 'admin.alert',
      sessionId: input.sessionId ?? null,
      createdAt: this.now,
      severity: alertReasons[input.reason],
      reason: input.reason,
      data: { ...(input.data ?? {}), ...(input.sessionId ? { sessionId: input.sessionId } : {}) },
    };
    // Like events, the row is written just before the commit, with the transaction's other alerts.
    this.alerts.push([
      alert.id,
      alert.reason,
      alert.severity,
      alert.sessionId,
      input.jobId ?? null,
      JSON.stringify(alert.data),
      alert.createdAt,
    ]);
    await this.emit('admin.alert', alert as unknown as EventPayload, { sessionId: alert.sessionId, jobId: input.jobId ?? null });
    return alert;
  }

  afterCommit(fn: () => void): void {
    this.callbacks.push(fn);
  }

  recordWritten(events: readonly StoredEvent[]): void {
    // They already have ids, so writeOutboxes leaves them alone.
    this.events.push(...events);
  }

  defer<T>(write: DeferredWrite<T>, item: T): void {
    this.deferred.add(write, item);
  }
}

const alertColumns = ['id', 'reason', 'severity', 'session_id', 'job_id', 'data', 'created_at'];
const eventColumns = ['topic', 'session_id', 'job_id', 'origin', 'payload', 'created_at'];

/**
 * Write what these outboxes collected: their alerts, then their pending events in emit order,
 * giving each event its stored id. Both in multi-row INSERTs.
 */
async function writeOutboxes(executor: SqlExecutor, outboxes: readonly OutboxTx[]): Promise<void> {
  await insertRows(
    executor,
    'alerts',
    alertColumns,
    outboxes.flatMap((o) => o.alerts),
  );
  const pending = outboxes.flatMap((o) => o.events.filter((e) => e.id === 0));
  const rows = await insertRows(
    executor,
    'events',
    eventColumns,
    pending.map((e) => [e.topic, e.sessionId, e.jobId, e.origin, JSON.stringify(e.payload), e.createdAt]),
    'id',
  );
  // Ids come from a sequence in VALUES order, statement after statement of this transaction;
  // sorting makes that independent of the order RETURNING reports them in.
  const ids = rows.map((r) => Number(r.id)).sort((x, y) => x - y);
  pending.forEach((event, i) => {
    event.id = ids[i] as number;
  });
}

/** A unit of work inside a larger transaction; rolled back alone through a savepoint. */
export type BatchedOperation<T> = (tx: Tx) => Promise<T>;

let savepointCounter = 0;

/** The notification channel that wakes other processes' event relays (src/telemetry/event-relay.ts). */
export const eventsChannel = 'afterword_events';

/**
 * At most one events NOTIFY per this many milliseconds per process, sent after the commit on its
 * own (not inside the transaction: PostgreSQL serialises commits that carry a NOTIFY, and it
 * would cost every transaction a round trip). Relays poll once more shortly after a wake to
 * pick up events whose notification was skipped, and poll on an interval anyway.
 */
const eventsNotifyIntervalMs = 25;

/**
 * Runs units of work against the driver and announces their events after commit. Also offers
 * `transactBatch`: several independent operations in ONE commit, each isolated by a savepoint,
 * which is how the engine turns many small fenced writes into one fsync (group commit).
 */
export class TransactionRunner {
  constructor(
    readonly driver: SqlDriver,
    private readonly bus: EventBus,
    readonly origin: string,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  private lastEventsNotifyAt = 0;

  /** Wake other processes' relays after a commit that wrote events, throttled; where the driver can notify. */
  private notifyEvents(events: readonly StoredEvent[]): void {
    if (!this.driver.notify || events.length === 0) return;
    const now = Date.now();
    if (now - this.lastEventsNotifyAt < eventsNotifyIntervalMs) return;
    this.lastEventsNotifyAt = now;
    // Best effort: a lost wake-up only delays relays until their next poll.
    this.driver.notify(this.driver, eventsChannel, '').catch(() => undefined);
  }

  async transact<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T> {
    let outbox: OutboxTx | undefined;
    const result = await this.driver.transaction(async (executor) => {
      const deferred = new DeferredRows();
      outbox = new OutboxTx(executor, this.clock.now(), this.origin, this.ids, deferred);
      const value = await fn(outbox);
      await deferred.flush(executor);
      await writeOutboxes(executor, [outbox]);
      return value;
    }, options);
    if (outbox) this.announce([outbox]);
    return result;
  }

  /** Each operation settles on its own: one that throws is rolled back to its savepoint only. */
  async transactBatch(operations: ReadonlyArray<BatchedOperation<unknown>>): Promise<PromiseSettledResult<unknown>[]> {
    if (this.driver.dialect === 'postgres') {
      const optimistic = await this.transactBatchWithoutSavepoints(operations);
      if (optimistic) return optimistic;
    }
    return this.transactBatchWithSavepoints(operations);
  }

  /**
   * PostgreSQL: each SAVEPOINT/RELEASE pair is two more round trips per operation, and
   * operations almost never fail. So first run the batch without savepoints; if any operation
   * throws, the whole transaction rolls back (nothing of it was committed or announced) and
   * the batch is run again with savepoints, which settles each operation on its own. Returns
   * null to ask for that second run. A single operation needs no second run: its failure is
   * its own. A database that is unreachable fails the batch as before.
   */
  private async transactBatchWithoutSavepoints(
    operations: ReadonlyArray<BatchedOperation<unknown>>,
  ): Promise<PromiseSettledResult<unknown>[] | null> {
    const outboxes: OutboxTx[] = [];
    let failure: { reason: unknown } | undefined;
    try {
      const values = await this.driver.transaction(async (executor) => {
        const now = this.clock.now();
        const done: unknown[] = [];
        // One set of deferred rows for the whole batch: one statement per deferred write.
        const deferred = new DeferredRows();
        for (const operation of operations) {
          const outbox = new OutboxTx(executor, now, this.origin, this.ids, deferred);
          try {
            done.push(await operation(outbox));
          } catch (reason) {
            failure = { reason };
            throw reason;
          }
          outboxes.push(outbox);
        }
        try {
          await deferred.flush(executor);
        } catch (reason) {
          // Some operation's deferred row failed (a lost lease): which one is found by the run
          // with savepoints, where each operation flushes its own rows.
          failure = { reason };
          throw reason;
        }
        await writeOutboxes(executor, outboxes);
        return done;
      });
      this.announce(outboxes);
      return values.map((value) => ({ status: 'fulfilled', value }));
    } catch (error) {
      // Not an operation's own failure (connection lost, commit failed): the batch fails as a whole.
      if (!failure) throw error;
      if (operations.length === 1) return [{ status: 'rejected', reason: failure.reason }];
      return null;
    }
  }

  private async transactBatchWithSavepoints(
    operations: ReadonlyArray<BatchedOperation<unknown>>,
  ): Promise<PromiseSettledResult<unknown>[]> {
    const outboxes: OutboxTx[] = [];
    const settled = await this.driver.transaction(async (executor) => {
      const now = this.clock.now();
      const results: PromiseSettledResult<unknown>[] = [];
      for (const operation of operations) {
        const name = `op_${++savepointCounter}`;
        const deferred = new DeferredRows();
        const outbox = new OutboxTx(executor, now, this.origin, this.ids, deferred);
        await executor.run(`SAVEPOINT ${name}`);
        try {
          const value = await operation(outbox);
          await deferred.flush(executor);
          await executor.run(`RELEASE SAVEPOINT ${name}`);
          outboxes.push(outbox);
          results.push({ status: 'fulfilled', value });
        } catch (reason) {
          await executor.run(`ROLLBACK TO SAVEPOINT ${name}`);
          await executor.run(`RELEASE SAVEPOINT ${name}`);
          results.push({ status: 'rejected', reason });
        }
      }
      await writeOutboxes(executor, outboxes);
      return results;
    });
    this.announce(outboxes);
    return settled;
  }

  private announce(outboxes: OutboxTx[]): void {
    const events = outboxes.flatMap((o) => o.events);
    this.notifyEvents(events);
    this.bus.publish(events);
    for (const outbox of outboxes) for (const callback of outbox.callbacks) callback();
  }
}
