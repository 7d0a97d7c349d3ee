import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { conflictOf } from '../../../src/domain/extraction/aggressors.js';
import type { TypedHit } from '../../../src/domain/extraction/detect-changes.js';
import { extractEntities } from '../../../src/domain/extraction/extract-entities.js';
import { SceneState } from '../../../src/domain/extraction/scene-state.js';
import { tokenize } from '../../../src/domain/text/tokens.js';
import type { Turn } from '../../../src/domain/types.js';
import { demoLexicon, idSource, sanitised, turn } from './helpers.js';

const faction = (entityId: string, startTok = 0, endTok = 1): TypedHit => ({ entityId, entityType: 'faction', startTok, endTok });
const inScene = (t: Turn, sceneId: string): Turn => ({ ...t, sceneId, actId: 'a1' });

function changes(turns: Turn[]): string[] {
  const r = extractEntities({
    sanitised: sanitised(turns, { character: { name: 'Kestrel Vane' } }),
    lexicon: demoLexicon(),
    sessionId: 'sess-1',
    newId: idSource('m'),
  });
  return r.mentions.flatMap((m) => m.proposedChanges.map((c) => `${m.entityId}.${c.field}=${c.to}`));
}

describe('scene state (scene-state.ts)', () => {
  test('a turn of another scene starts from nothing; the same scene keeps its antecedent', () => {
    const scene = new SceneState();
    scene.enter(inScene(turn('t1', 'x'), 's1'));
    scene.noteLead(faction('faction.iron-tithe'), null);
    scene.enter(inScene(turn('t2', 'x', { speaker: 'player' }), 's1'));
    assert.equal(scene.referent(false)?.entityId, 'faction.iron-tithe');
    scene.enter(inScene(turn('t3', 'x'), 's2'));
    assert.equal(scene.referent(false), null);
  });

  test('after the antecedent gives way, a pronoun means the one other faction of the scene, and only one', () => {
    const scene = new SceneState();
    scene.enter(inScene(turn('t1', 'x'), 's1'));
    const tithe = faction('faction.iron-tithe');
    const guild = faction('faction.prismwell-kite-guild', 3, 4);
    scene.noteFactions([tithe, guild], tithe);
    scene.noteLead(guild, guild);
    scene.noteConflict({ aggressor: null, target: null, losers: [guild], defenders: [guild] });
    assert.equal(scene.referent(false)?.entityId, 'faction.iron-tithe');
    scene.noteFactions([faction('faction.veiled-court')], null);
    assert.equal(scene.referent(false)?.entityId, 'faction.prismwell-kite-guild', 'two others: no single side');
  });

  test('the aggressor takes an unclaimed fall of its target only, never a place it already holds', () => {
    const scene = new SceneState();
    scene.enter(inScene(turn('t1', 'x'), 's1'));
    const lowmarket: TypedHit = { entityId: 'settlement.lowmarket', entityType: 'settlement', startTok: 5, endTok: 6 };
    const harrowgate: TypedHit = { entityId: 'settlement.harrowgate', entityType: 'settlement', startTok: 0, endTok: 1 };
    scene.noteConflict({ aggressor: faction('faction.iron-tithe'), target: lowmarket, losers: [], defenders: [] });
    assert.equal(scene.aggressorFor(lowmarket, 'faction.veiled-court')?.entityId, 'faction.iron-tithe');
    assert.equal(scene.aggressorFor(harrowgate, 'faction.thalric-order'), null);
    assert.equal(scene.aggressorFor(lowmarket, 'faction.iron-tithe'), null);
  });
});

describe('conflictOf (aggressors.ts)', () => {
  const read = (text: string, hits: TypedHit[]) => conflictOf(text, tokenize(text), hits);
  test('an assault verb after the faction makes it the aggressor, with the place after the verb as target', () => {
    const c = read('The Iron Tithe hammered at Lowmarket for a month.', [
      faction('faction.iron-tithe', 1, 3),
      { entityId: 'settlement.lowmarket', entityType: 'settlement', startTok: 5, endTok: 6 },
    ]);
    assert.equal(c.aggressor?.entityId, 'faction.iron-tithe');
    assert.equal(c.target?.entityId, 'settlement.lowmarket');
  });
  test('no aggressor when asked, negated, or when two factions march together', () => {
    assert.equal(read('Will the Iron Tithe march on Lowmarket?', [faction('faction.iron-tithe', 2, 4)]).aggressor, null);
    assert.equal(read('The Iron Tithe never marched.', [faction('faction.iron-tithe', 1, 3)]).aggressor, null);
    const both = read('The Iron Tithe and the Veiled Court marched together.', [
      faction('faction.iron-tithe', 1, 3),
      faction('faction.veiled-court', 5, 7),
    ]);
    assert.equal(both.aggressor, null);
  });
  test('a faction that defends or flees is no aggressor', () => {
    const c = read('The Kite Guild reinforced the walls.', [faction('faction.prismwell-kite-guild', 1, 3)]);
    assert.equal(c.aggressor, null);
    assert.equal(c.defenders.length, 1);
  });
});

describe('scene reader end to end', () => {
  test("a player's turn between does not break the scene; a new scene does", () => {
    const siege = 'The Emberwright Compact rolled its siege engines up to Harrowgate at dusk.';
    const fall = 'Not for long. Before dawn Harrowgate fell.';
    const same = [
      inScene(turn('t1', siege), 's1'),
      inScene(turn('t2', 'Do the walls hold?', { speaker: 'player' }), 's1'),
      inScene(turn('t3', fall), 's1'),
    ];
    assert.deepEqual(changes(same), ['settlement.harrowgate.controlledBy=faction.emberwright-compact']);
    const other = [inScene(turn('t1', siege), 's1'), inScene(turn('t3', fall), 's2')];
    assert.deepEqual(changes(other), []);
  });
});
