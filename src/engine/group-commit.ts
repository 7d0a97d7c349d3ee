import type { Tx, TransactionRunner } from '../store/unit-of-work.js';

interface Pending {
  operation: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit: fenced writes submitted by many running jobs in the same tick share ONE
 * transaction (one fsync), each isolated by a savepoint so one job's lost lease does not undo
 * another's checkpoint. Callers still wait for the commit before going on, so durability is
 * unchanged; only the number of commits drops. This is the engine's own job because batching
 * must respect the fencing rules that the engine defines.
 */
export class GroupCommitter {
  private pending: Pending[] = [];
  private flushing = 0;
  private scheduled = false;

  /**
   * `lanes`: batches committed at once. One on SQLite (a single connection); several on
   * PostgreSQL, where each batch takes its own pooled connection, so the next batch does not
   * wait for the previous commit's round trips and fsync.
   */
  constructor(
    private readonly runner: TransactionRunner,
    private readonly maxBatch = 256,
    private readonly lanes = runner.driver.capabilities.multipleProcesses ? 4 : 1,
  ) {}

  submit<T>(operation: (tx: Tx) => Promise<T>): Promise<T> {
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
