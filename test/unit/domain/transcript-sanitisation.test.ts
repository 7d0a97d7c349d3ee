import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cleanText, cleanTextFully } from '../../../src/domain/transcript/clean-text.js';
import { sanitiseTranscript } from '../../../src/domain/transcript/sanitise-transcript.js';
import { sanitised, session, turn } from './helpers.js';

describe('sanitiseTranscript', () => {
  test('drops empty-after-trim texts and repeated turnIds (first copy wins)', () => {
    const s = sanitised([turn('a', '  \n\t '), turn('b', 'kept'), turn('b', 'duplicate'), turn('c', '\u200B\u0007')]);
    assert.deepEqual(
      s.turns.map((t) => t.text),
      ['kept'],
    );
    assert.deepEqual(s.droppedTurnIds, ['a', 'b', 'c']);
  });
  test('strips control characters and normalises whitespace', () => {
    assert.equal(cleanText('a\u0000b\u202Ec   d\r\n\n\n\ne\u00A0f'), 'abc d\n\ne f');
  });
  test('the "nothing to clean" shortcut answers as the full cleaning, for every char up to U+FFFF', () => {
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      for (const t of [`a${ch}b`, `a ${ch} b`, `${ch}${ch}`])
        assert.equal(cleanText(t), cleanTextFully(t), `U+${c.toString(16)} in ${JSON.stringify(t)}`);
    }
    for (const t of ['a  b', 'a b  ', '  a', 'a\u3000 b', 'plain text. Two sentences!'])
      assert.equal(cleanText(t), cleanTextFully(t), JSON.stringify(t));
  });
  test('clamps absurdly long lines (configurable)', () => {
    const s = sanitiseTranscript(
      { session: session(), turns: [turn('a', 'x'.repeat(50))], changeFeed: [] },
      { maxLineLength: 10 },
    );
    assert.equal(s.turns[0]?.text.length, 10);
    assert.ok(s.turns[0]?.text.endsWith('…'));
    assert.equal(cleanText('y'.repeat(20_001)).length, 20_000);
  });
  test('never throws on hostile text and keeps it as text', () => {
    const hostile = [
      '<script>alert(1)</script>',
      '🐉🔥 Драконы и 龍 مرحبا',
      '\uD800 lone surrogate',
      '\u0000'.repeat(1000),
      '😀'.repeat(15_000),
    ];
    const s = sanitised(hostile.map((t, i) => turn(`h${i}`, t)));
    assert.equal(s.turns[0]?.text, '<script>alert(1)</script>');
    assert.ok(s.turns[1]?.text.includes('龍'));
    assert.equal(s.turns.length, 4);
  });
  test('does not mutate its input', () => {
    const t = turn('a', '  padded  ');
    sanitised([t]);
    assert.equal(t.text, '  padded  ');
  });
});

describe('safety events keep their own shape (spec 9 defect)', () => {
  test('change-feed flags and severity are preserved, turn flags collected', () => {
    const s = sanitised([turn('a', 'x', { metadata: { safetyFlags: ['violence'], safetySeverity: 'high' } })], {}, [
      {
        cursor: 4,
        kind: 'safety.flag',
        payload: { turnId: 'a' },
        safetyFlags: ['self-harm'],
        capabilityRefs: [],
        severity: 'critical',
        createdAt: 9,
      },
      { cursor: 5, kind: 'note', payload: {}, safetyFlags: ['language'], capabilityRefs: ['capability.x'], createdAt: 10 },
      { cursor: 6, kind: 'turn.appended', payload: {}, safetyFlags: [], capabilityRefs: [], createdAt: 11 },
    ]);
    const feed = s.safetyEvents.filter((e) => e.source === 'change-feed');
    assert.equal(feed.length, 2);
    assert.deepEqual(
      [feed[0]?.flags, feed[0]?.severity, feed[0]?.severityDefaulted, feed[0]?.turnId],
      [['self-harm'], 'critical', false, 'a'],
    );
    assert.deepEqual(
      [feed[1]?.severity, feed[1]?.severityDefaulted, feed[1]?.capabilityRefs],
      ['medium', true, ['capability.x']],
    );
    const tr = s.safetyEvents.find((e) => e.source === 'transcript');
    assert.deepEqual([tr?.flags, tr?.severity], [['violence'], 'high']);
    assert.equal(s.maxCursor, 6);
  });
});

describe('session metadata', () => {
  test('passes character, location, momentum, closure, scene and act titles, tags', () => {
    const momentum = { current: 3, floor: -6, ceiling: 10, baseline: 2, history: [{ at: 1, value: 3 }] };
    const s = sanitised([turn('a', 'x', { sceneId: 's9', metadata: { sceneTitle: 'From the turn' } })], {
      character: { name: 'Kestrel' },
      location: { id: 'region.kyther-range' },
      momentum,
      tags: ['war', 7 as unknown as string],
      actTitles: { 'act-1': 'The Gathering Storm' },
      sceneTitles: { s1: 'Opening' },
    });
    assert.equal(s.metadata.character?.name, 'Kestrel');
    assert.equal(s.metadata.location?.id, 'region.kyther-range');
    assert.deepEqual(s.metadata.momentum, momentum);
    assert.deepEqual(s.metadata.actTitles, { 'act-1': 'The Gathering Storm' });
    assert.deepEqual(s.metadata.sceneTitles, { s1: 'Opening', s9: 'From the turn' });
    assert.deepEqual(s.metadata.tags, ['war']);
    assert.equal(s.metadata.closure.closedBy, 'player');
    assert.equal(s.metadata.closure.auditRef, 'session.close:sess-1:x');
  });
});
