import type { Clock } from '../clock.js';
import type { Row, RunResult, SqlDriver, SqlExecutor, TransactionOptions } from './ports.js';

/**
 * A plain store transaction: an executor, the instant it runs at, after-commit callbacks and
 * deferred set-based writes. It knows nothing of what the rows mean; layers above extend it
 * (the telemetry outbox adds events and alerts, see src/telemetry/outbox.ts) through the
 * `extend` function the store is created with.
 */
export interface StoreTx extends SqlExecutor {
  readonly now: number;
  /** Run after a successful commit (wake-ups); never for a rolled-back transaction. */
  afterCommit(fn: () => void): void;
  /**
   * Add a row to a set-based write that runs once, just before the commit, for every operation
   * of a group-committed batch together (see `DeferredWrite`).
   */
  defer<T>(write: DeferredWrite<T>, item: T): void;
}

/**
 * A write many operations of one transaction contribute rows to, run as ONE statement before the
 * commit instead of one statement per operation.
 *
 * - `phase: 'operation'` (the default): a row may be refused (a fence failed), and `flush` must
 *   then throw. The runner rolls back and settles each operation on its own, flushing each
 *   operation's rows inside its savepoint, so the failure lands on the right one. This is how a
 *   batch of job completions costs one round trip on PostgreSQL.
 * - `phase: 'commit'`: rows that cannot be refused (the outbox's events and alerts). They are
 *   written once for every operation that succeeded, after the operation-phase writes, even when
 *   the batch runs with savepoints.
 *
 * `committed` runs after a successful commit with the rows that committed (announcements).
 */
export interface DeferredWrite<T> {
  readonly name: string;
  readonly phase?: 'operation' | 'commit';
  flush(executor: SqlExecutor, items: readonly T[]): Promise<void>;
  committed?(items: readonly T[]): void;
}

/** Deferred rows collected for one flush, in the order they were added. */
class DeferredRows {
  private readonly rows = new Map<DeferredWrite<unknown>, unknown[]>();

  add<T>(write: DeferredWrite<T>, item: T): void {
    const list = this.rows.get(write as DeferredWrite<unknown>);
    if (list) list.push(item);
    else this.rows.set(write as DeferredWrite<unknown>, [item]);
  }

  /** Move the rows of `phase` into `target` (operation rows collected for the batch's single flush). */
  moveTo(target: DeferredRows, phase: 'operation' | 'commit'): void {
    for (const [write, items] of this.rows) {
      if ((write.phase ?? 'operation') !== phase) continue;
      for (const item of items) target.add(write, item);
      this.rows.delete(write);
    }
  }

  async flush(executor: SqlExecutor, phase: 'operation' | 'commit'): Promise<void> {
    for (const [write, items] of this.rows) if ((write.phase ?? 'operation') === phase) await write.flush(executor, items);
  }

  committed(): void {
    for (const [write, items] of this.rows) write.committed?.(items);
  }
}

class PlainTx implements StoreTx {
  readonly callbacks: Array<() => void> = [];

  constructor(
    private readonly executor: SqlExecutor,
    readonly now: number,
    readonly deferred: DeferredRows,
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

  afterCommit(fn: () => void): void {
    this.callbacks.push(fn);
  }

  defer<T>(write: DeferredWrite<T>, item: T): void {
    this.deferred.add(write, item);
  }
}

/** A unit of work inside a larger transaction; rolled back alone through a savepoint. */
export type BatchedOperation<X, T> = (tx: X) => Promise<T>;

let savepointCounter = 0;

/**
 * Runs units of work against the driver. `transactBatch` runs several independent operations in
 * ONE commit, each isolated by a savepoint, which is how the engine and the closure coordinator
 * turn many small writes into one fsync (group commit, see group-commit.ts).
 */
export class TransactionRunner<X extends StoreTx = StoreTx> {
  constructor(
    readonly driver: SqlDriver,
    private readonly clock: Clock,
    private readonly extend: (tx: StoreTx) => X,
  ) {}

  async transact<T>(fn: (tx: X) => Promise<T>, options?: TransactionOptions): Promise<T> {
    let done: { tx: PlainTx; deferred: DeferredRows } | undefined;
    const result = await this.driver.transaction(async (executor) => {
      const deferred = new DeferredRows();
      const tx = new PlainTx(executor, this.clock.now(), deferred);
      const value = await fn(this.extend(tx));
      await deferred.flush(executor, 'operation');
      await deferred.flush(executor, 'commit');
      done = { tx, deferred };
      return value;
    }, options);
    if (done) this.finish(done.deferred, [done.tx]);
    return result;
  }

  /** Each operation settles on its own: one that throws is rolled back to its savepoint only. */
  async transactBatch(operations: ReadonlyArray<BatchedOperation<X, unknown>>): Promise<PromiseSettledResult<unknown>[]> {
    // Where a statement costs a network round trip, savepoints are worth avoiding (see below).
    if (!this.driver.capabilities.inProcess) {
      const optimistic = await this.transactBatchWithoutSavepoints(operations);
      if (optimistic) return optimistic;
    }
    return this.transactBatchWithSavepoints(operations);
  }

  /**
   * Over a network each SAVEPOINT/RELEASE pair is two more round trips per operation, and
   * operations almost never fail. So first run the batch without savepoints; if any operation
   * throws, the whole transaction rolls back (nothing of it was committed or announced) and
   * the batch is run again with savepoints, which settles each operation on its own. Returns
   * null to ask for that second run. A single operation needs no second run: its failure is
   * its own. A database that is unreachable fails the batch as before.
   */
  private async transactBatchWithoutSavepoints(
    operations: ReadonlyArray<BatchedOperation<X, unknown>>,
  ): Promise<PromiseSettledResult<unknown>[] | null> {
    let failure: { reason: unknown } | undefined;
    let done: { txs: PlainTx[]; deferred: DeferredRows } | undefined;
    try {
      const values = await this.driver.transaction(async (executor) => {
        const now = this.clock.now();
        const values: unknown[] = [];
        const txs: PlainTx[] = [];
        // One set of deferred rows for the whole batch: one statement per deferred write.
        const deferred = new DeferredRows();
        for (const operation of operations) {
          const tx = new PlainTx(executor, now, deferred);
          try {
            values.push(await operation(this.extend(tx)));
          } catch (reason) {
            failure = { reason };
            throw reason;
          }
          txs.push(tx);
        }
        try {
          await deferred.flush(executor, 'operation');
        } catch (reason) {
          // Some operation's deferred row failed (a lost lease): which one is found by the run
          // with savepoints, where each operation flushes its own rows.
          failure = { reason };
          throw reason;
        }
        await deferred.flush(executor, 'commit');
        done = { txs, deferred };
        return values;
      });
      if (done) this.finish(done.deferred, done.txs);
      return values.map((value) => ({ status: 'fulfilled', value }));
    } catch (error) {
      // Not an operation's own failure (connection lost, commit failed): the batch fails as a whole.
      if (!failure) throw error;
      if (operations.length === 1) return [{ status: 'rejected', reason: failure.reason }];
      return null;
    }
  }

  private async transactBatchWithSavepoints(
    operations: ReadonlyArray<BatchedOperation<X, unknown>>,
  ): Promise<PromiseSettledResult<unknown>[]> {
    let done: { txs: PlainTx[]; deferred: DeferredRows } | undefined;
    const settled = await this.driver.transaction(async (executor) => {
      const now = this.clock.now();
      const results: PromiseSettledResult<unknown>[] = [];
      const txs: PlainTx[] = [];
      // Commit-phase rows of the operations that succeeded, written once after them all.
      const committedRows = new DeferredRows();
      for (const operation of operations) {
        const name = `op_${++savepointCounter}`;
        const own = new DeferredRows();
        const tx = new PlainTx(executor, now, own);
        await executor.run(`SAVEPOINT ${name}`);
        try {
          const value = await operation(this.extend(tx));
          await own.flush(executor, 'operation');
          await executor.run(`RELEASE SAVEPOINT ${name}`);
          own.moveTo(committedRows, 'operation');
          own.moveTo(committedRows, 'commit');
          txs.push(tx);
          results.push({ status: 'fulfilled', value });
        } catch (reason) {
          await executor.run(`ROLLBACK TO SAVEPOINT ${name}`);
          await executor.run(`RELEASE SAVEPOINT ${name}`);
          results.push({ status: 'rejected', reason });
        }
      }
      await committedRows.flush(executor, 'commit');
      done = { txs, deferred: committedRows };
      return results;
    });
    if (done) this.finish(done.deferred, done.txs);
    return settled;
  }

  /** After the commit: deferred writes announce what committed, then the transactions' callbacks run. */
  private finish(deferred: DeferredRows, txs: readonly PlainTx[]): void {
    deferred.committed();
    for (const tx of txs) for (const callback of tx.callbacks) callback();
  }
}
