import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorldDelta } from '../../../src/domain/deltas/types.js';
import { applyDeltasToCanon } from '../../../src/domain/world/apply-deltas-to-canon.js';
import { demoWorld } from './helpers.js';

const delta = (over: Partial<WorldDelta>): WorldDelta => ({
  deltaId: 'd1',
  sessionId: 's',
  entityId: 'region.kyther-range',
  entityType: 'region',
  canonicalName: 'Kyther Range',
  deltaType: 'state-change',
  before: {},
  after: {},
  proposedChanges: [],
  capabilityRefs: [],
  confidence: 0.9,
  confidenceTier: 'high',
  source: [],
  safety: { requiresModeration: false, reasons: [], conflicts: [] },
  status: 'approved',
  createdAt: 1,
  ...over,
});

test('applyDeltasToCanon applies approved state changes without mutating input', () => {
  const canon = demoWorld().entities;
  const out = applyDeltasToCanon(canon, [delta({ after: { controlledBy: 'faction.iron-tithe', status: 'threatened' } })]);
  const range = out.find((e) => e.entityId === 'region.kyther-range');
  assert.equal(range?.state.controlledBy, 'faction.iron-tithe');
  assert.equal(range?.state.status, 'threatened');
  assert.equal(canon.find((e) => e.entityId === 'region.kyther-range')?.state.controlledBy, 'faction.prismwell-kite-guild');
});

test('new-entity deltas create entities; non-approved deltas are ignored; later wins', () => {
  const out = applyDeltasToCanon(demoWorld().entities, [
    delta({
      deltaId: 'n',
      deltaType: 'new-entity',
      entityId: 'faction.silver-hand',
      entityType: 'faction',
      canonicalName: 'Silver Hand',
      before: null,
      after: { canonicalName: 'Silver Hand', aliases: ['the Hand'], tags: ['new'], state: { status: 'stable' } },
    }),
    delta({ deltaId: 'p', status: 'needs-review', after: { controlledBy: 'faction.veiled-court' } }),
    delta({ deltaId: 'b', createdAt: 3, after: { status: 'devastated' } }),
    delta({ deltaId: 'a', createdAt: 2, after: { status: 'stable' } }),
  ]);
  const hand = out.find((e) => e.entityId === 'faction.silver-hand');
  assert.deepEqual(hand?.aliases, ['the Hand']);
  const range = out.find((e) => e.entityId === 'region.kyther-range');
  assert.equal(range?.state.controlledBy, 'faction.prismwell-kite-guild');
  assert.equal(range?.state.status, 'devastated');
  assert.equal(out.length, demoWorld().entities.length + 1);
});
