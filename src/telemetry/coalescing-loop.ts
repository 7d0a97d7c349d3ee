import type { Logger } from './logger.js';

export interface CoalescingLoopOptions {
  /** One pass of work; resolves true when there is more to do right away (a full batch). */
  step: () => Promise<boolean>;
  /** Poll interval: the fallback when nothing pokes the loop. */
  intervalMs: number;
  logger: Logger;
  /** Logged with the error when a pass fails; the loop retries at the next interval or poke. */
  failureMessage: string;
}

/**
 * A poll loop that many wake-ups share: `poke()` while a pass runs does not start a second one,
 * it asks the running pass to go round once more, so work committed after the pass began is
 * still read. Each pass repeats `step` while it reports a full batch. A failed pass is logged and
 * retried at the next poke or interval, never thrown at the caller.
 *
 * Written here rather than taken from a library because the semantics (coalesce, drain full
 * batches, await the pass that covers this poke) are the relay's and the dispatcher's contract.
 */
export class CoalescingLoop {
  private timer: NodeJS.Timeout | undefined;
  /** The latest pass (stop waits for it). */
  private pass: Promise<void> = Promise.resolve();
  /** A pass is under way: cleared in the same synchronous step as its last `again` check. */
  private draining = false;
  private again = false;
  private running = false;

  constructor(private readonly options: CoalescingLoopOptions) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => void this.poke(), this.options.intervalMs);
    this.timer.unref?.();
  }

  /** Stops the interval and waits for the pass in flight (if any) to finish. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.timer);
    await this.pass;
  }

  /** Run a pass now, or once more after the current one. Resolves when a pass that began after this call ends. */
  poke(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.draining) {
      this.again = true;
      return this.pass;
    }
    this.draining = true;
    this.pass = this.drain();
    return this.pass;
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        try {
          while (this.running && (await this.options.step())) {
            // A full batch: there is more to read right away.
          }
        } catch (error) {
          this.options.logger.warn({ err: error }, this.options.failureMessage);
        }
      } while (this.again && this.running);
    } finally {
      // In the same synchronous step as the last `again` check: a poke from here on starts a
      // new pass instead of joining one that has already decided to end.
      this.draining = false;
    }
  }
}
