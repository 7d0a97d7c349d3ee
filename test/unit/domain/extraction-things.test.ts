import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractEntities } from '../../../src/domain/extraction/extract-entities.js';
import { devastationBesidePlace } from '../../../src/domain/extraction/object-beside-place.js';
import { thingBesidePlace } from '../../../src/domain/extraction/thing-antecedents.js';
import { tokenize } from '../../../src/domain/text/tokens.js';
import { demoLexicon, idSource, sanitised, turn } from './helpers.js';

function changes(...texts: string[]): string[] {
  const r = extractEntities({
    sanitised: sanitised(
      texts.map((t, k) => turn(`t${k + 1}`, t)),
      { character: { name: 'Kestrel Vane' } },
    ),
    lexicon: demoLexicon(),
    sessionId: 'sess-1',
    newId: idSource('m'),
  });
  return r.mentions.flatMap((m) => m.proposedChanges.map((c) => `${m.entityId}.${c.field}=${c.to}`));
}

/** The place hit on the word `name` (one token) of `text`. */
function at(text: string, name: string, entityType = 'settlement') {
  const tokens = tokenize(text);
  const k = tokens.findIndex((t) => t.text === name);
  return { tokens, place: { startTok: k, endTok: k + 1, entityType } };
}

describe('a thing, not the place (thing-antecedents.ts, devastationBesidePlace, claimantOf)', () => {
  test('thingBesidePlace: a new singular thing sent or kept at the place; forces, parts, plurals and definites are not', () => {
    const yes = ['The Masks sent a letter to Harrowgate.', 'Old Vell hid a chest of silver in Harrowgate.'];
    const no = [
      'The Tithe sent its army to Harrowgate.',
      'The Tithe sent an army to Harrowgate.',
      'The Tithe brought its siege towers to Harrowgate.',
      'The Tithe marched on Harrowgate.',
      'The Tithe took the road to Harrowgate.',
      'The Tithe reached a gate of Harrowgate.',
    ];
    for (const s of yes) {
      const { tokens, place } = at(s, 'Harrowgate');
      assert.equal(thingBesidePlace(s, tokens, [place], place), true, s);
    }
    for (const s of no) {
      const { tokens, place } = at(s, 'Harrowgate');
      assert.equal(thingBesidePlace(s, tokens, [place], place), false, s);
    }
  });

  test('an "it" after a thing beside the place means the thing; after a force, the place', () => {
    assert.deepEqual(changes('Old Vell had the Ember Crown in Lowmarket. The Tithe took it.'), []);
    assert.deepEqual(changes('The Masks sent a letter to Harrowgate. The Order took it as an insult.'), []);
    assert.deepEqual(changes('Old Vell hid the Ember Crown in Lowmarket, and the Tithe took it.'), []);
    assert.deepEqual(changes('Old Vell had the Ember Crown in Lowmarket.', 'The Tithe took it last night.'), []);
    assert.deepEqual(changes('The Iron Tithe sent a herald to Lowmarket. By dusk they held it.'), [
      'settlement.lowmarket.controlledBy=faction.iron-tithe',
    ]);
    assert.deepEqual(changes('The Iron Tithe sent its army to Lowmarket. By dusk they held it.'), [
      'settlement.lowmarket.controlledBy=faction.iron-tithe',
    ]);
  });

  test('devastationBesidePlace: belongings and things beside the place burn alone; whole parts are the place', () => {
    const cases: Array<[string, number, boolean]> = [
      ['The granaries of Lowmarket were burned.', 4, true],
      ["Lowmarket's mills burned.", 2, true],
      ['The barns outside Lowmarket were burned.', 4, true],
      ['The streets of Lowmarket were burned.', 4, false],
      ['The city of Lowmarket was burned.', 4, false],
      ['Lowmarket was burned.', 1, false],
    ];
    for (const [s, verb, want] of cases) {
      const { tokens, place } = at(s, 'Lowmarket');
      assert.equal(devastationBesidePlace(s, tokens, place, verb), want, s);
    }
    assert.deepEqual(changes('The streets of Lowmarket were burned by the Iron Tithe.'), [
      'settlement.lowmarket.status=devastated',
    ]);
  });

  test('a faction whose things burn after an unclaimed fall takes nothing; its captains holding the harbour do', () => {
    assert.deepEqual(changes('Brackwater fell that night. The Corsair hulks burning at their moorings lit the water.'), []);
    assert.deepEqual(changes("Harrowgate fell that night. The Thalric Order's wagons burning on the road lit the hills."), []);
    assert.deepEqual(changes('Brackwater fell that night. The Corsair captains held the harbour by dawn.'), [
      'settlement.brackwater.controlledBy=faction.saltmarch-corsairs',
    ]);
  });
});
