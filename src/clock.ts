import { randomUUID } from 'node:crypto';

/** Time and identity are injected everywhere so domain logic and tests stay deterministic. */
export interface Clock {
  now(): number;
}

export interface IdSource {
  /** A new globally unique id (uuid v4 by default). */
  uuid(): string;
}

export const systemClock: Clock = { now: () => Date.now() };

export const randomIds: IdSource = { uuid: () => randomUUID() };

/** A clock shifted to a fixed instant at start, then running in real time. */
export function offsetClock(startAt: number, base: Clock = systemClock): Clock {
  const offset = startAt - base.now();
  return { now: () => base.now() + offset };
}
