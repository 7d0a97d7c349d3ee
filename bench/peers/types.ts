/**
 * One job queue under benchmark. Every implementation gets a fresh schema in the same database,
 * the same concurrency, and a no-op task; `onStart` is called when a job's handler starts (with
 * the tag given at enqueue), which is what the latency benchmark measures.
 */
export interface BenchQueue {
  readonly name: string;
  /** The settings used, in words, for the report. */
  readonly settings: string;
  /** Create a fresh schema and whatever the queue needs; no workers yet. */
  setup(): Promise<void>;
  /** Insert `n` jobs as fast as the queue allows (not timed). */
  enqueueBulk(n: number): Promise<void>;
  /** Start workers; `onStart(tag)` is called when a handler starts, `onDone()` when one finished. */
  startWorkers(onStart: (tag: number) => void, onDone: () => void): Promise<void>;
  /** Jobs not yet finished, from the database. */
  remaining(): Promise<number>;
  /** Enqueue one job from a separate client (not the worker's own wake path). */
  enqueueOne(tag: number): Promise<void>;
  /** Stop workers and drop the schema. */
  teardown(): Promise<void>;
}

export interface BenchConfig {
  url: string;
  concurrency: number;
}
