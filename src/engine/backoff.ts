/**
 * Exponential back-off with jitter: attempt n waits base * 2^(n-1), capped, then scaled by a
 * random factor in [0.5, 1) so a crowd of failing jobs does not retry in lock-step.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.5 + random() * 0.5));
}
