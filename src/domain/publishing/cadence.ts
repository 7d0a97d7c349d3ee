import { DateTime, Info } from 'luxon';
import { DomainValidationError, type ValidationIssue } from '../errors.js';

const MINUTE = 60_000;

export interface CadenceConfig {
  moderationOpensAfterMs: number;
  moderationWindowMs: number;
  escalationOffsetsMs: number[];
  loreBatchAfterMs: number;
  digestHour: number;
  digestMinute: number;
  timeZone: string;
  maxOverrideMs: number;
}

/** Spec 7 defaults. Frozen so one caller cannot change another's schedule. */
export const defaultCadenceConfig: Readonly<CadenceConfig> = Object.freeze({
  moderationOpensAfterMs: 15 * MINUTE,
  moderationWindowMs: 45 * MINUTE,
  escalationOffsetsMs: Object.freeze([30 * MINUTE, 40 * MINUTE]) as unknown as number[],
  loreBatchAfterMs: 60 * MINUTE,
  digestHour: 2,
  digestMinute: 0,
  timeZone: 'UTC',
  maxOverrideMs: 12 * 60 * MINUTE,
});

export interface CadenceOverride {
  requestedBatchAt: number;
  previousBatchAt: number;
  appliedAt: number;
  actor: string | null;
  note: string | null;
}

/**
 * One cadence per session, computed from its closure time; the dashboard and publishing
 * read the same object so they cannot disagree (spec 9).
 */
export interface Cadence {
  closedAt: number;
  moderationWindow: { opensAt: number; closesAt: number };
  escalations: number[];
  /** Scheduled lore batch (after any override). */
  nextBatchAt: number;
  /** The batch time before any override; deferral limits are measured from here. */
  plannedBatchAt: number;
  nextDigestAt: number;
  timeZone: string;
  overrides: CadenceOverride[];
}

/**
 * Zone names already found valid. luxon checks a zone by constructing an
 * Intl.DateTimeFormat, which cost more than the rest of the pure stages of a short
 * session together; the runtime's zone database does not change while the process runs,
 * so a name valid once stays valid. Only successes are kept: the set is bounded by the
 * number of real zones, and an unknown name is checked (and rejected) every time.
 */
const knownZones = new Set<string>();

export function isKnownTimeZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  if (!Info.isValidIANAZone(zone)) return false;
  knownZones.add(zone);
  return true;
}

export function validateCadenceConfig(cfg: CadenceConfig): void {
  const issues: ValidationIssue[] = [];
  for (const k of ['moderationOpensAfterMs', 'moderationWindowMs', 'loreBatchAfterMs', 'maxOverrideMs'] as const) {
    if (!Number.isFinite(cfg[k]) || cfg[k] < 0) issues.push({ field: k, reason: 'must be a non-negative number' });
  }
  if (!Number.isInteger(cfg.digestHour) || cfg.digestHour < 0 || cfg.digestHour > 23)
    issues.push({ field: 'digestHour', reason: 'must be 0..23' });
  if (!Number.isInteger(cfg.digestMinute) || cfg.digestMinute < 0 || cfg.digestMinute > 59)
    issues.push({ field: 'digestMinute', reason: 'must be 0..59' });
  if (!isKnownTimeZone(cfg.timeZone)) issues.push({ field: 'timeZone', reason: 'unknown IANA time zone' });
  cfg.escalationOffsetsMs.forEach((v, i) => {
    if (!Number.isFinite(v) || v < 0)
      issues.push({ field: `escalationOffsetsMs[${i}]`, reason: 'must be a non-negative number' });
  });
  if (issues.length > 0) throw new DomainValidationError('invalid_cadence_config', issues);
}

/** The next digest time strictly after `closedAt`, at the configured wall-clock time in the zone. */
export function nextDigestAfter(closedAt: number, cfg: Pick<CadenceConfig, 'digestHour' | 'digestMinute' | 'timeZone'>): number {
  // UTC (the default) has no DST and no offset: plain arithmetic gives luxon's answer
  // without building three DateTime objects per session (a test compares the two).
  if (cfg.timeZone === 'UTC' && isPlainUtcCase(closedAt, cfg.digestHour, cfg.digestMinute))
    return nextUtcDigestAfter(closedAt, cfg.digestHour, cfg.digestMinute);
  const local = DateTime.fromMillis(closedAt, { zone: cfg.timeZone });
  let candidate = local.set({ hour: cfg.digestHour, minute: cfg.digestMinute, second: 0, millisecond: 0 });
  // luxon shifts a time that falls in a DST gap forward, which is what a digest wants.
  if (candidate.toMillis() <= closedAt)
    candidate = candidate.plus({ days: 1 }).set({ hour: cfg.digestHour, minute: cfg.digestMinute });
  return candidate.toMillis();
}

const DAY = 24 * 60 * MINUTE;

/** Validated clock values and a time well inside the ECMAScript range; anything else goes to luxon. */
function isPlainUtcCase(closedAt: number, hour: number, minute: number): boolean {
  return (
    Number.isInteger(hour) &&
    hour >= 0 &&
    hour <= 23 &&
    Number.isInteger(minute) &&
    minute >= 0 &&
    minute <= 59 &&
    Math.abs(closedAt) <= 8.64e15 - 2 * DAY
  );
}

export function nextUtcDigestAfter(closedAt: number, hour: number, minute: number): number {
  const candidate = Math.floor(closedAt / DAY) * DAY + hour * 60 * MINUTE + minute * MINUTE;
  return candidate <= closedAt ? candidate + DAY : candidate;
}

export function planCadence(closedAt: number, cfg: Partial<CadenceConfig> = {}): Cadence {
  const c: CadenceConfig = { ...defaultCadenceConfig, ...cfg };
  validateCadenceConfig(c);
  const opensAt = closedAt + c.moderationOpensAfterMs;
  const batchAt = closedAt + c.loreBatchAfterMs;
  return {
    closedAt,
    moderationWindow: { opensAt, closesAt: opensAt + c.moderationWindowMs },
    escalations: c.escalationOffsetsMs.map((o) => closedAt + o),
    nextBatchAt: batchAt,
    plannedBatchAt: batchAt,
    nextDigestAt: nextDigestAfter(closedAt, c),
    timeZone: c.timeZone,
    overrides: [],
  };
}

/**
 * Defers (or advances) the lore batch. Deferral is capped at `maxOverrideMs` after the
 * originally planned time, not after the previous override, so repeated small overrides
 * cannot creep past the limit. Every override is recorded on the cadence.
 */
export function applyOverride(
  cadence: Cadence,
  requestedBatchAt: number,
  cfg: Partial<CadenceConfig> = {},
  meta: { appliedAt?: number; actor?: string | null; note?: string | null } = {},
): Cadence {
  const c: CadenceConfig = { ...defaultCadenceConfig, ...cfg };
  if (!Number.isFinite(requestedBatchAt)) {
    throw new DomainValidationError('invalid_override', [{ field: 'requestedBatchAt', reason: 'must be epoch milliseconds' }]);
  }
  if (requestedBatchAt - cadence.plannedBatchAt > c.maxOverrideMs) {
    throw new DomainValidationError('override_exceeds_limit', [
      {
        field: 'requestedBatchAt',
        reason: `defers the batch more than ${c.maxOverrideMs} ms after ${new Date(cadence.plannedBatchAt).toISOString()}`,
      },
    ]);
  }
  if (requestedBatchAt < cadence.closedAt) {
    throw new DomainValidationError('invalid_override', [
      { field: 'requestedBatchAt', reason: 'must not be before the session closed' },
    ]);
  }
  return {
    ...cadence,
    nextBatchAt: requestedBatchAt,
    overrides: [
      ...cadence.overrides,
      {
        requestedBatchAt,
        previousBatchAt: cadence.nextBatchAt,
        appliedAt: meta.appliedAt ?? requestedBatchAt,
        actor: meta.actor ?? null,
        note: meta.note ?? null,
      },
    ],
  };
}
