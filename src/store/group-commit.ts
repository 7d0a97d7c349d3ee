import type { StoreTx, TransactionRunner } from './transaction.js';

interface Pending<X> {
  operation: (tx: X) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit: writes submitted by many callers in the same tick share ONE transaction (one
 * fsync), each isolated by a savepoint so one caller's failure (a job's lost lease, a closure
 * that lost a race) does not undo another's write. Callers still wait for the commit before
 * going on, so durability is unchanged; only the number of commits drops. The engine batches
 * its fenced checkpoints and completions with it, the closure coordinator its closures.
 */
export class GroupCommitter<X extends StoreTx = StoreTx> {
  private pending: Pending<X>[] = [];
  private flushing = 0;
  private scheduled = false;

  /**
   * `lanes`: batches committed at once. One where the driver has a single connection (SQLite);
   * several where each batch can take its own pooled connection (PostgreSQL), so the next batch
   * does not wait for the previous commit's round trips and fsync.
   */
  constructor(
    private readonly runner: TransactionRunner<X>,
    private readonly maxBatch = 256,
    private readonly lanes = runner.driver.capabilities.multipleConnections ? 4 : 1,
  ) {}

  submit<T>(operation: (tx: X) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ operation, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing >= this.lanes) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing >= this.lanes || this.pending.length === 0) return;
    this.flushing++;
    const batch = this.pending.splice(0, this.maxBatch);
    try {
      const results = await this.runner.transactBatch(batch.map((p) => p.operation));
      results.forEach((result, i) => {
        const entry = batch[i];
        if (!entry) return;
        if (result.status === 'fulfilled') entry.resolve(result.value);
        else entry.reject(result.reason);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.flushing--;
      if (this.pending.length > 0) this.schedule();
    }
  }
}
