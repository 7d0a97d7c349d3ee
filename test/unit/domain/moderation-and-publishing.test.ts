import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DateTime } from 'luxon';
import { createPrng } from '../../../src/demo/prng.js';
import { applyModerationDecisions, buildModerationQueue } from '../../../src/domain/deltas/moderation.js';
import type { ModerationDecision, WorldDelta } from '../../../src/domain/deltas/types.js';
import { DomainValidationError } from '../../../src/domain/errors.js';
import {
  applyOverride,
  defaultCadenceConfig,
  isKnownTimeZone,
  nextDigestAfter,
  planCadence,
} from '../../../src/domain/publishing/cadence.js';
import { detectSearchDrift, preparePublishing, reevaluateGate } from '../../../src/domain/publishing/prepare-publishing.js';
import { ariaText } from '../../../src/domain/publishing/render-cards.js';

const MIN = 60_000;
const CLOSED = Date.UTC(2026, 0, 10, 12, 0, 0);

const delta = (over: Partial<WorldDelta>): WorldDelta => ({
  deltaId: 'd1',
  sessionId: 'sess-1',
  entityId: 'settlement.brackwater',
  entityType: 'settlement',
  canonicalName: 'Brackwater',
  deltaType: 'state-change',
  before: { controlledBy: 'faction.saltmarch-corsairs' },
  after: { controlledBy: 'faction.thalric-order' },
  proposedChanges: [
    { kind: 'control', field: 'controlledBy', to: 'faction.thalric-order', from: 'faction.saltmarch-corsairs', verb: 'seized' },
  ],
  capabilityRefs: [],
  confidence: 0.95,
  confidenceTier: 'high',
  source: [],
  safety: { requiresModeration: false, reasons: [], conflicts: [] },
  status: 'pending',
  createdAt: CLOSED,
  ...over,
});
const review = (id: string, entityId = 'region.kyther-range'): WorldDelta =>
  delta({
    deltaId: id,
    entityId,
    canonicalName: 'Kyther Range',
    status: 'needs-review',
    confidence: 0.55,
    confidenceTier: 'low',
    safety: { requiresModeration: true, reasons: ['low_confidence'], conflicts: [] },
  });
const decision = (deltaId: string, d: ModerationDecision['decision'], at = CLOSED + 20 * MIN): ModerationDecision => ({
  deltaId,
  decision: d,
  actor: 'mod-ana',
  decidedAt: at,
  note: 'checked',
});

describe('cadence (spec 7)', () => {
  test('defaults: window +15 for 45 min, escalations +30/+40, batch +60, digest next 02:00 after closure', () => {
    const c = planCadence(CLOSED);
    assert.deepEqual(c.moderationWindow, { opensAt: CLOSED + 15 * MIN, closesAt: CLOSED + 60 * MIN });
    assert.deepEqual(c.escalations, [CLOSED + 30 * MIN, CLOSED + 40 * MIN]);
    assert.equal(c.nextBatchAt, CLOSED + 60 * MIN);
    assert.equal(c.nextDigestAt, Date.UTC(2026, 0, 11, 2, 0, 0));
  });
  test('digest is strictly after closure and honours the time zone', () => {
    assert.equal(planCadence(Date.UTC(2026, 0, 10, 2, 0, 0)).nextDigestAt, Date.UTC(2026, 0, 11, 2, 0, 0));
    assert.equal(planCadence(Date.UTC(2026, 0, 10, 1, 59, 0)).nextDigestAt, Date.UTC(2026, 0, 10, 2, 0, 0));
    // 12:00 UTC is 07:00 in New York (EST): next 02:00 local is 07:00 UTC the next day.
    assert.equal(planCadence(CLOSED, { timeZone: 'America/New_York' }).nextDigestAt, Date.UTC(2026, 0, 11, 7, 0, 0));
  });
  test('all numbers are configuration; invalid config is a typed error', () => {
    const c = planCadence(CLOSED, {
      moderationOpensAfterMs: MIN,
      moderationWindowMs: 2 * MIN,
      loreBatchAfterMs: 5 * MIN,
      escalationOffsetsMs: [3 * MIN],
    });
    assert.deepEqual(
      [c.moderationWindow.closesAt, c.nextBatchAt, c.escalations],
      [CLOSED + 3 * MIN, CLOSED + 5 * MIN, [CLOSED + 3 * MIN]],
    );
    assert.throws(
      () => planCadence(CLOSED, { timeZone: 'Mars/Olympus' }),
      (e) => e instanceof DomainValidationError && e.code === 'invalid_cadence_config',
    );
    assert.ok(Object.isFrozen(defaultCadenceConfig));
  });
  test('UTC digest arithmetic agrees with luxon (the path every other zone takes)', () => {
    const viaLuxon = (closedAt: number, hour: number, minute: number) => {
      const local = DateTime.fromMillis(closedAt, { zone: 'UTC' });
      let c = local.set({ hour, minute, second: 0, millisecond: 0 });
      if (c.toMillis() <= closedAt) c = c.plus({ days: 1 }).set({ hour, minute });
      return c.toMillis();
    };
    const rand = createPrng(5);
    const samples = [
      0,
      -1,
      1,
      Date.UTC(2026, 0, 10, 2, 0, 0),
      Date.UTC(2026, 0, 10, 2, 0, 0) - 1,
      Date.UTC(1969, 11, 31, 23, 59),
      CLOSED,
    ];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor((rand() - 0.3) * 4e12));
    for (const t of samples) {
      for (const [h, m] of [
        [2, 0],
        [0, 0],
        [23, 59],
        [12, 30],
      ] as const) {
        assert.equal(
          nextDigestAfter(t, { digestHour: h, digestMinute: m, timeZone: 'UTC' }),
          viaLuxon(t, h, m),
          `${t} ${h}:${m}`,
        );
      }
    }
  });
  test('time-zone validity is remembered for valid zones only', () => {
    for (let i = 0; i < 2; i++) {
      assert.equal(isKnownTimeZone('Europe/Paris'), true);
      assert.equal(isKnownTimeZone('Mars/Olympus'), false);
      assert.equal(isKnownTimeZone(''), false);
    }
    assert.throws(
      () => planCadence(CLOSED, { timeZone: 'Mars/Olympus' }),
      (e) => e instanceof DomainValidationError && e.code === 'invalid_cadence_config',
    );
  });
  test('override defers up to 12h from the planned batch, recorded; beyond is override_exceeds_limit', () => {
    const c = planCadence(CLOSED);
    const o = applyOverride(c, c.plannedBatchAt + 12 * 60 * MIN, {}, { actor: 'ops', appliedAt: CLOSED });
    assert.equal(o.nextBatchAt, c.plannedBatchAt + 12 * 60 * MIN);
    assert.equal(o.overrides.length, 1);
    assert.equal(o.overrides[0]?.actor, 'ops');
    assert.throws(
      () => applyOverride(o, c.plannedBatchAt + 12 * 60 * MIN + 1),
      (e) => e instanceof DomainValidationError && e.code === 'override_exceeds_limit',
    );
  });
});

describe('moderation', () => {
  test('decisions map to statuses; latest decision wins', () => {
    const ds = applyModerationDecisions(
      [review('a'), review('b'), review('c'), review('d')],
      [
        decision('a', 'approve'),
        decision('b', 'reject'),
        decision('c', 'rewrite'),
        decision('d', 'approve', CLOSED),
        decision('d', 'escalate', CLOSED + MIN),
      ],
    );
    assert.deepEqual(
      ds.map((d) => d.status),
      ['approved', 'rejected', 'rewrite-requested', 'escalated'],
    );
  });
  test('queue: countdown to window end, reasons, before/after, pending count', () => {
    const c = planCadence(CLOSED);
    const q = buildModerationQueue([delta({}), review('a'), review('b')], [decision('a', 'approve')], c, CLOSED + 20 * MIN);
    assert.equal(q.items.length, 2);
    assert.equal(q.pendingCount, 1);
    assert.equal(q.windowState, 'open');
    assert.equal(q.items[0]?.countdownMs, 40 * MIN);
    assert.equal(q.items[0]?.status, 'approved');
    assert.deepEqual(q.items[1]?.reasons, ['low_confidence']);
    assert.equal(q.items[1]?.nextEscalationAt, CLOSED + 30 * MIN);
    assert.deepEqual(q.items[1]?.after, { controlledBy: 'faction.thalric-order' });
    assert.equal(buildModerationQueue([review('a')], [], c, CLOSED + 2 * 60 * MIN).items[0]?.countdownMs, 0);
  });
});

describe('publishing plan and moderation gate', () => {
  const prep = (deltas: WorldDelta[], decisions: ModerationDecision[] = []) => {
    let n = 0;
    return preparePublishing({
      sessionId: 'sess-1',
      summary: { version: 3 },
      deltas,
      decisions,
      cadence: planCadence(CLOSED),
      now: CLOSED,
      newId: () => `batch-${++n}`,
    });
  };
  test('nothing needs review: ready, one bundle per entity, one card per delta, search jobs with expected version', () => {
    const p = prep([
      delta({}),
      delta({
        deltaId: 'd2',
        entityId: 'region.kyther-range',
        canonicalName: 'Kyther Range',
        before: { status: 'stable' },
        after: { status: 'devastated' },
        proposedChanges: [{ kind: 'status', field: 'status', to: 'devastated', cue: 'ravaged' }],
      }),
    ]);
    assert.equal(p.status, 'ready');
    assert.equal(p.bundles.length, 2);
    assert.equal(p.cards.length, 2);
    assert.equal(p.searchJobs.length, 4);
    assert.ok(p.searchJobs.every((j) => j.expectedVersion === 3 && j.maxAttempts === 3));
    const card = p.cards[0];
    assert.equal(card?.headline, 'Thalric Order takes Brackwater');
    assert.deepEqual(card?.factionTags, ['faction.thalric-order', 'faction.saltmarch-corsairs']);
    assert.equal(card?.publishAt, CLOSED + 60 * MIN);
    assert.equal(card?.expiresAt, CLOSED + 60 * MIN + 90 * 24 * 60 * MIN);
    assert.ok(card?.ariaSummary.includes('Brackwater'));
    assert.ok(p.bundles[0]?.markdown.includes('## Brackwater'));
    assert.deepEqual(p.bundles[0]?.provenance.deltaIds, ['d1']);
    assert.equal(p.overlays[0]?.type, 'overlay.loreLink');
    assert.equal(p.overlays[0]?.provenanceBadge.sessionId, 'sess-1');
  });
  test('an undecided review blocks the batch and plans no search jobs', () => {
    const p = prep([delta({}), review('r1')]);
    assert.equal(p.status, 'awaiting_moderation');
    assert.deepEqual(p.blockingDeltaIds, ['r1']);
    assert.equal(p.searchJobs.length, 0);
    assert.deepEqual(p.moderation, { required: 1, pending: 1, decided: 0 });
  });
  test('an escalation still blocks; approve/reject/rewrite unblock', () => {
    assert.equal(prep([review('r1')], [decision('r1', 'escalate')]).status, 'awaiting_moderation');
    for (const d of ['approve', 'reject', 'rewrite'] as const)
      assert.equal(prep([review('r1')], [decision('r1', d)]).status, 'ready', d);
  });
  test('reevaluateGate turns a held batch ready without re-running the workflow', () => {
    const deltas = [delta({}), review('r1')];
    const held = prep(deltas);
    const ready = reevaluateGate(held, deltas, [decision('r1', 'approve')]);
    assert.equal(ready.batchId, held.batchId);
    assert.equal(ready.status, 'ready');
    assert.equal(ready.cards.length, 2);
    assert.equal(ready.searchJobs.length, 4);
    assert.equal(ready.bundles.find((b) => b.entityId === 'region.kyther-range')?.provenance.decisions[0]?.actor, 'mod-ana');
    const rejected = reevaluateGate(held, deltas, [decision('r1', 'reject')]);
    assert.equal(rejected.cards.length, 1);
  });
  test('capability violations make urgent cards with safety tags', () => {
    const d = delta({
      deltaId: 'c1',
      deltaType: 'retcon',
      proposedChanges: [],
      before: {},
      after: {},
      capabilityRefs: [{ capabilityId: 'capability.resurrection', severity: 'high', known: true, matchedText: null }],
      status: 'needs-review',
      safety: { requiresModeration: true, reasons: ['capability_violation'], conflicts: [] },
    });
    const p = prep([d], [decision('c1', 'approve')]);
    assert.equal(p.cards[0]?.urgency, 'urgent');
    assert.ok(p.bundles[0]?.safetyTags.includes('capability.resurrection'));
  });
  test('search drift: non-success status or version mismatch', () => {
    const jobs = prep([delta({})]).searchJobs;
    const [a, b] = jobs;
    assert.ok(a && b);
    const drift = detectSearchDrift(jobs, [
      { jobId: a.jobId, status: 'success', indexedVersion: 3 },
      { jobId: b.jobId, status: 'success', indexedVersion: 2 },
      { jobId: 'unknown', status: 'failed', indexedVersion: null },
    ]);
    assert.deepEqual(
      drift.map((d) => [d.jobId, d.reason]),
      [[b.jobId, 'version_mismatch']],
    );
    assert.equal(detectSearchDrift(jobs, [{ jobId: a.jobId, status: 'timeout', indexedVersion: 3 }])[0]?.reason, 'status');
  });
});

describe('news card aria text', () => {
  // The regex passes the char-code fast path stands in for.
  const byRegex = (t: string) =>
    t
      .replace(/[^\p{L}\p{N}\p{P}\p{Zs}]/gu, '')
      .replace(/\s+/g, ' ')
      .trim();

  test('answers as the regex passes do, fast path or not', () => {
    const ascii = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));
    const cases = [
      '',
      ' ',
      'Brackwater is devastated. Reports from the field describe Brackwater as devastated.',
      'The Kite Guild takes Brackwater. Brackwater passes to the Kite Guild from an unknown power.',
      ' lead space',
      'trail space ',
      'two  spaces',
      'tab\there',
      'new\nline',
      'Émile’s “Guild” … 50% off? [yes] {no} @a_b #c/d\\e',
      'emoji 🐉 dragon',
      'nbsp\u00a0here\u2003there',
      ...ascii.map((ch) => `a${ch}b`),
      ...ascii.map((ch) => `${ch}x${ch}`),
    ];
    for (const t of cases) assert.equal(ariaText(t), byRegex(t), JSON.stringify(t));
  });
});
