import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateSyntheticSession } from '../../../src/demo/generate-synthetic-session.js';
import { normalizeTurns } from '../../../src/domain/transcript/normalize-turn-input.js';
import { demoWorld } from './helpers.js';

const gen = (seed: number, turns = 300) =>
  generateSyntheticSession({ seed, turns, sessionId: 'demo-1', world: demoWorld(), startAt: 1_700_000_000_000 });

test('same seed, same session; different seed, different session', () => {
  assert.deepEqual(gen(7), gen(7));
  assert.notDeepEqual(gen(7).turns, gen(8).turns);
});

test('turns are valid raw inputs in varied shapes, over several scenes and acts', () => {
  const s = gen(3);
  const { turns, issues } = normalizeTurns(s.turns, 0);
  assert.deepEqual(issues, []);
  assert.equal(turns.length, 300);
  assert.ok(s.turns.some((t) => 'content' in t) && s.turns.some((t) => 'text' in t));
  assert.ok(new Set(turns.map((t) => t.sceneId)).size >= 5);
  assert.ok(new Set(turns.map((t) => t.actId)).size >= 2);
  assert.ok(Object.keys(s.context.actTitles ?? {}).length >= 2);
});

test('mentions world entities and includes changes, hedges, negations and unknown names', () => {
  const text = gen(5, 2000)
    .turns.map((t) => String(t.text ?? t.content))
    .join('\n');
  for (const re of [
    /seized|captured|took control of|fell to/,
    /under threat|in ruins|ravaged|stabilised/,
    /Rumour|Reportedly|Allegedly/,
    /failed to|did not/,
    /A stranger named/,
  ])
    assert.match(text, re);
  assert.ok(demoWorld().entities.filter((e) => text.includes(e.canonicalName)).length >= 20);
});
