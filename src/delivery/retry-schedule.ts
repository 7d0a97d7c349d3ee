/**
 * How many attempts a webhook delivery gets so that its retries span at least `retryForMs`.
 * The engine waits `base * 2^(n-1)` (capped at `max`) before retry n, scaled by a jitter factor
 * in [0.5, 1) (engine/backoff.ts); counting every wait at its shortest (half) makes the span a
 * lower bound whatever the jitter: the last attempt is never earlier than `retryForMs` after the
 * first. With the defaults (5 s doubling to 2 h, 24 h) that is 35 attempts (24 to 48 h).
 */
export interface RetrySchedule {
  baseDelayMs: number;
  maxDelayMs: number;
  retryForMs: number;
}

export function deliveryAttempts(schedule: RetrySchedule): number {
  let attempts = 1;
  let span = 0;
  while (span < schedule.retryForMs) {
    span += Math.min(schedule.maxDelayMs, schedule.baseDelayMs * 2 ** (attempts - 1)) * 0.5;
    attempts++;
  }
  return attempts;
}
