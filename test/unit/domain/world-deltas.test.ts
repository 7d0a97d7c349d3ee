import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { determineDeltas } from '../../../src/domain/deltas/determine-deltas.js';
import type { WorldDelta } from '../../../src/domain/deltas/types.js';
import { extractEntities } from '../../../src/domain/extraction/extract-entities.js';
import type { WorldEntity } from '../../../src/domain/world/types.js';
import { demoLexicon, demoWorld, idSource, sanitised, turn } from './helpers.js';

function run(
  texts: string[],
  opts: { canon?: WorldEntity[]; pending?: WorldDelta[]; sessionId?: string; metadata?: Record<string, unknown>[] } = {},
) {
  const sessionId = opts.sessionId ?? 'sess-1';
  const turns = texts.map((t, i) => turn(`t${i}`, t, { metadata: opts.metadata?.[i] ?? {} }));
  const ex = extractEntities({ sanitised: sanitised(turns), lexicon: demoLexicon(), sessionId, newId: idSource('m') });
  return determineDeltas({
    sessionId,
    mentions: ex.mentions,
    candidates: ex.candidates,
    canon: opts.canon ?? demoWorld().entities,
    capabilities: demoWorld().capabilities,
    pendingDeltas: opts.pending ?? [],
    now: 1000,
    newId: idSource(`d-${sessionId}`),
  });
}
const forEntity = (ds: WorldDelta[], id: string) => ds.filter((d) => d.entityId === id);

describe('determineDeltas (spec 6)', () => {
  test('one delta per entity per session, merging its mentions; last change wins', () => {
    const ds = run([
      'The Iron Tithe seized Brackwater.',
      'Brackwater lies in ruins.',
      'The Thalric Order seized Brackwater from the Iron Tithe.',
    ]);
    const b = forEntity(ds, 'settlement.brackwater');
    assert.equal(b.length, 1);
    assert.deepEqual(b[0]?.after, { controlledBy: 'faction.thalric-order', status: 'devastated' });
    assert.equal(b[0]?.source.length, 3);
    assert.equal(b[0]?.deltaType, 'state-change');
    assert.equal(b[0]?.createdAt, 1000);
  });
  test('before comes from canon (not an empty canon) and a canon owner collision is flagged', () => {
    const ds = run(['The Iron Tithe seized the Kyther Range.']);
    const d = forEntity(ds, 'region.kyther-range')[0];
    assert.deepEqual(d?.before, { controlledBy: 'faction.prismwell-kite-guild' });
    assert.deepEqual(d?.after, { controlledBy: 'faction.iron-tithe' });
    assert.deepEqual(d?.safety.conflicts, [
      { type: 'control_collision', target: 'region.kyther-range', currentOwner: 'faction.prismwell-kite-guild' },
    ]);
    assert.deepEqual(d?.safety.reasons, ['conflict_detected']);
    assert.equal(d?.status, 'needs-review');
  });
  test('naming the canon owner as loser is consistent: no collision, status pending', () => {
    const d = run(['The Iron Tithe seized the Kyther Range from the Prismwell Kite Guild.'])[0];
    assert.deepEqual(d?.safety, { requiresModeration: false, reasons: [], conflicts: [] });
    assert.equal(d?.status, 'pending');
    assert.equal(d?.confidenceTier, 'high');
  });
  test('with an empty canon there is nothing to collide with (why canon must be real)', () => {
    const d = run(['The Iron Tithe seized the Kyther Range.'], { canon: [] })[0];
    assert.equal(d?.deltaType, 'new-entity');
    assert.equal(d?.safety.conflicts.length, 0);
  });
  test('changes canon already reflects produce no delta; plain mentions produce none', () => {
    assert.deepEqual(run(['The Prismwell Kite Guild secured the Kyther Range.', 'Edric Thane smiled.']), []);
  });
  test('cross-session pending deltas: control and status conflicts', () => {
    const other = run(['The Veiled Court seized Brackwater from the Saltmarch Corsairs.', 'Duskmere Vale lies in ruins.'], {
      sessionId: 'sess-0',
    });
    assert.equal(other.length, 2);
    const ds = run(['The Thalric Order seized Brackwater from the Saltmarch Corsairs.', 'Duskmere Vale is under threat.'], {
      pending: other,
    });
    const b = forEntity(ds, 'settlement.brackwater')[0];
    assert.deepEqual(b?.safety.conflicts, [
      {
        type: 'pending_delta_conflict',
        target: 'settlement.brackwater',
        conflictingDeltaId: other[0]?.deltaId,
        conflictingDeltaIds: [other[0]?.deltaId],
        sessions: 1,
      },
    ]);
    const v = forEntity(ds, 'region.duskmere-vale')[0];
    assert.deepEqual(v?.safety.conflicts, [
      {
        type: 'status_conflict',
        target: 'region.duskmere-vale',
        previous: 'stable',
        proposed: 'threatened',
        conflictingDeltaId: other[1]?.deltaId,
        conflictingDeltaIds: [other[1]?.deltaId],
        sessions: 1,
      },
    ]);
  });
  test('pending deltas of the same session, or already decided ones, are not conflicts', () => {
    const mine = run(['The Veiled Court seized Brackwater from the Saltmarch Corsairs.']);
    const decided = run(['The Veiled Court seized Brackwater from the Saltmarch Corsairs.'], { sessionId: 'sess-0' }).map(
      (d) => ({ ...d, status: 'rejected' as const }),
    );
    const ds = run(['The Thalric Order seized Brackwater from the Saltmarch Corsairs.'], { pending: [...mine, ...decided] });
    assert.deepEqual(ds[0]?.safety.conflicts, []);
  });
  test('low confidence (< 0.6) needs review; a hedged claim says so too', () => {
    const d = run(['Allegedly the Iron Tithe seized Low Market from the Veiled Court.'])[0];
    assert.equal(d?.confidence, 0.55);
    assert.equal(d?.confidenceTier, 'low');
    assert.deepEqual(d?.safety.reasons, ['low_confidence', 'hedged']);
  });
  test('a hedged claim needs review whatever its confidence (a canonical name scores 0.65)', () => {
    const d = run(['Rumour has it the Iron Tithe seized Harrowgate from the Thalric Order.'])[0];
    assert.equal(d?.confidence, 0.65);
    assert.deepEqual(d?.safety.reasons, ['hedged']);
    assert.equal(d?.status, 'needs-review');
    const plain = run(['The Iron Tithe seized Harrowgate from the Thalric Order.'])[0];
    assert.equal(plain?.safety.requiresModeration, false);
  });
  test('many sessions proposing against one entity make ONE summarised conflict, not one per session', () => {
    const others = ['The Veiled Court', 'The Iron Tithe', 'The Lanternbound Choir'].flatMap((f, i) =>
      run([`${f} seized Brackwater.`], { sessionId: `other-${i}` }),
    );
    const d = run(['The Thalric Order seized Brackwater from the Saltmarch Corsairs.'], { pending: others })[0];
    const pending = d?.safety.conflicts.filter((c) => c.type === 'pending_delta_conflict') ?? [];
    assert.equal(pending.length, 1);
    assert.deepEqual(
      (pending[0] as { conflictingDeltaIds?: string[] }).conflictingDeltaIds,
      others.map((o) => o.deltaId),
    );
    assert.equal((pending[0] as { sessions?: number }).sessions, 3);
  });
  test('capability violations, and unknown capability refs flagged (never dropped)', () => {
    const ds = run(['Sera Quillon brought Tobias Vell back from the dead.', 'Ysolde Marrow vanished.'], {
      metadata: [{}, { capabilityRefs: ['capability.dream-walking'] }],
    });
    const sera = forEntity(ds, 'character.sera-quillon')[0];
    assert.equal(sera?.deltaType, 'retcon');
    assert.deepEqual(sera?.safety.reasons, ['capability_violation']);
    const ys = forEntity(ds, 'character.ysolde-marrow')[0];
    assert.deepEqual(
      ys?.capabilityRefs.map((c) => [c.capabilityId, c.known, c.severity]),
      [['capability.dream-walking', false, 'unknown']],
    );
    assert.deepEqual(ys?.safety.reasons, ['capability_violation', 'unknown_capability']);
  });
  test("new-entity candidates become new-entity deltas, and collide with another session's", () => {
    const other = run(['Captain Veyla Strand waited.'], { sessionId: 'sess-0' });
    const d = run(['Captain Veyla Strand arrived.'], { pending: other })[0];
    assert.equal(d?.deltaType, 'new-entity');
    assert.equal(d?.before, null);
    assert.equal(d?.after.canonicalName, 'Veyla Strand');
    assert.deepEqual(d?.safety.conflicts, [
      {
        type: 'pending_delta_conflict',
        target: 'character.veyla-strand',
        conflictingDeltaId: other[0]?.deltaId,
        conflictingDeltaIds: [other[0]?.deltaId],
        sessions: 1,
      },
    ]);
  });
  test('delta shape is exactly spec 6', () => {
    const d = run(['The Iron Tithe seized the Kyther Range.'])[0];
    assert.deepEqual(
      Object.keys(d ?? {}).sort(),
      [
        'before',
        'after',
        'canonicalName',
        'capabilityRefs',
        'confidence',
        'confidenceTier',
        'createdAt',
        'deltaId',
        'deltaType',
        'entityId',
        'entityType',
        'proposedChanges',
        'safety',
        'sessionId',
        'source',
        'status',
      ].sort(),
    );
  });
});
