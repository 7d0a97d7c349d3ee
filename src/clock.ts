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

/**
 * The output convention for timestamps (API and CLI JSON): a field whose name ends in `At`
 * (`createdAt`, `runAt`, `nextBatchAt`, ...) or is `timestamp` holds an instant, and an instant
 * leaves the process as an ISO 8601 UTC string (`2026-01-01T00:00:00.000Z`). Inside, instants
 * stay epoch milliseconds. `context` and `metadata` are the client's own data and pass as sent.
 */
export const isTimestampField = (key: string): boolean => key === 'timestamp' || /[a-z]At$/.test(key);

/** Fields holding a list of instants (a cadence's escalation times). */
const instantListFields = new Set(['escalations']);

/** Keys whose values belong to the client and are never rewritten. */
const opaqueFields = new Set(['context', 'metadata']);

/** The largest instant a Date can hold (±100,000,000 days): beyond it a number is left as it is. */
const maxInstant = 8.64e15;

export function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A copy of `value` with every timestamp field (see `isTimestampField`) holding a finite epoch
 * millisecond number replaced by its ISO 8601 string; everything else is kept. Objects with a
 * `toJSON` (dates, errors) are serialised first, as JSON.stringify would.
 */
export function withIsoTimestamps<T>(value: T): T {
  return convert(value, 0) as T;
}

function convert(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 200) return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return convert((value as { toJSON(): unknown }).toJSON(), depth + 1);
  if (Array.isArray(value)) return value.map((item) => convert(item, depth + 1));
  if (Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (opaqueFields.has(key)) out[key] = child;
    else if (instantListFields.has(key) && Array.isArray(child))
      out[key] = child.map((item) =>
        typeof item === 'number' && Number.isFinite(item) && Math.abs(item) <= maxInstant ? isoInstant(item) : item,
      );
    else if (typeof child === 'number' && isTimestampField(key) && Number.isFinite(child) && Math.abs(child) <= maxInstant)
      out[key] = isoInstant(child);
    else out[key] = convert(child, depth + 1);
  }
  return out;
}
