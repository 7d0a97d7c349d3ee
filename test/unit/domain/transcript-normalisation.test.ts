import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeTurnInput, normalizeTurns } from '../../../src/domain/transcript/normalize-turn-input.js';

const NOW = 1_700_000_000_000;

describe('normalizeTurnInput accepts the liberal shapes of spec 1', () => {
  test('canonical shape', () => {
    const r = normalizeTurnInput(
      { turnId: 't1', sceneId: 's1', actId: 'a1', speaker: 'gm', text: 'Hello', timestamp: 5, metadata: { tension: 'calm' } },
      0,
      NOW,
    );
    assert.ok(r.ok);
    assert.deepEqual(r.turn, {
      turnId: 't1',
      sceneId: 's1',
      actId: 'a1',
      speaker: 'gm',
      text: 'Hello',
      timestamp: 5,
      metadata: { tension: 'calm' },
    });
  });
  test('id/role/content, ids in metadata, ISO timestamp', () => {
    const r = normalizeTurnInput(
      { id: 'x:1', role: 'player', content: 'Go', metadata: { sceneId: 's2', actId: 'a2' }, timestamp: '2024-01-01T00:00:00Z' },
      0,
      NOW,
    );
    assert.ok(r.ok);
    assert.equal(r.turn.turnId, 'x:1');
    assert.equal(r.turn.speaker, 'player');
    assert.equal(r.turn.text, 'Go');
    assert.equal(r.turn.sceneId, 's2');
    assert.equal(r.turn.actId, 'a2');
    assert.equal(r.turn.timestamp, Date.parse('2024-01-01T00:00:00Z'));
  });
  test('assistant maps to gm and user to player; missing timestamp defaults to now', () => {
    const a = normalizeTurnInput({ id: 'a', role: 'assistant', text: 'x' }, 0, NOW);
    const u = normalizeTurnInput({ id: 'b', role: 'User', text: 'y' }, 1, NOW);
    assert.ok(a.ok && u.ok);
    assert.equal(a.turn.speaker, 'gm');
    assert.equal(u.turn.speaker, 'player');
    assert.equal(a.turn.timestamp, NOW);
    assert.equal(a.turn.sceneId, null);
  });
  test('empty text is accepted (sanitisation drops it)', () => {
    const r = normalizeTurnInput({ id: 'a', speaker: 'gm', text: '   ' }, 0, NOW);
    assert.ok(r.ok);
  });
});

describe('normalizeTurnInput is strict about what it stores', () => {
  const issuesOf = (raw: unknown, i = 3) => {
    const r = normalizeTurnInput(raw, i, NOW);
    assert.equal(r.ok, false);
    return r.ok ? [] : r.issues;
  };
  test('turnId required, string, safe characters, max 128', () => {
    assert.deepEqual(
      issuesOf({ speaker: 'gm', text: 'x' }).map((i) => i.field),
      ['turns[3].turnId'],
    );
    assert.deepEqual(issuesOf({ turnId: 7, speaker: 'gm', text: 'x' })[0]?.field, 'turns[3].turnId');
    assert.equal(issuesOf({ turnId: 'a b', speaker: 'gm', text: 'x' })[0]?.field, 'turns[3].turnId');
    assert.equal(issuesOf({ turnId: 'a'.repeat(129), speaker: 'gm', text: 'x' })[0]?.field, 'turns[3].turnId');
    assert.ok(normalizeTurnInput({ turnId: 'a'.repeat(128), speaker: 'gm', text: 'x' }, 0, NOW).ok);
  });
  test('unknown speaker, non-string text, non-object metadata, bad timestamp', () => {
    assert.equal(issuesOf({ id: 'a', speaker: 'narrator2', text: 'x' })[0]?.field, 'turns[3].speaker');
    assert.equal(issuesOf({ id: 'a', role: 'bard', text: 'x' })[0]?.field, 'turns[3].role');
    assert.equal(issuesOf({ id: 'a', speaker: 'gm', text: 42 })[0]?.field, 'turns[3].text');
    assert.equal(issuesOf({ id: 'a', speaker: 'gm', content: ['x'] })[0]?.field, 'turns[3].content');
    assert.equal(issuesOf({ id: 'a', speaker: 'gm', text: 'x', metadata: [] })[0]?.field, 'turns[3].metadata');
    assert.equal(issuesOf({ id: 'a', speaker: 'gm', text: 'x', timestamp: 'yesterday' })[0]?.field, 'turns[3].timestamp');
  });
  test('non-object input and several issues at once', () => {
    assert.equal(issuesOf('nope', 0)[0]?.field, 'turns[0]');
    assert.equal(issuesOf({ speaker: 'x' }).length, 3);
  });
  test('normalizeTurns collects every issue with its index', () => {
    const r = normalizeTurns(
      [
        { id: 'a', speaker: 'gm', text: 'ok' },
        { id: 'b', speaker: 'gm' },
      ],
      NOW,
    );
    assert.equal(r.turns.length, 1);
    assert.deepEqual(r.issues, [{ field: 'turns[1].text', reason: 'is required' }]);
  });
});

describe('parseTurns is all-or-nothing', () => {
  test('throws invalid_turn with every issue, invalid_transcript for a non-array', async () => {
    const { parseTurns } = await import('../../../src/domain/transcript/normalize-turn-input.js');
    const { DomainValidationError } = await import('../../../src/domain/errors.js');
    assert.equal(parseTurns([{ id: 'a', speaker: 'gm', text: 'x' }], NOW).length, 1);
    assert.throws(
      () =>
        parseTurns(
          [
            { id: 'a', speaker: 'gm', text: 'x' },
            { speaker: 'gm', text: 1 },
          ],
          NOW,
        ),
      (e) => e instanceof DomainValidationError && e.code === 'invalid_turn' && e.issues.length === 2,
    );
    assert.throws(
      () => parseTurns({}, NOW),
      (e) => e instanceof DomainValidationError && e.code === 'invalid_transcript',
    );
  });
});
