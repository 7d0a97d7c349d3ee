import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainValidationError } from '../../../src/domain/errors.js';
import { parseWorldFile } from '../../../src/domain/world/parse-world-file.js';
import { demoWorld } from './helpers.js';

const base = () => ({
  worldId: 'w',
  name: 'W',
  entities: [
    {
      entityId: 'faction.kite-guild',
      entityType: 'faction',
      canonicalName: 'Kite Guild',
      aliases: ['Kiters'],
      tags: [],
      state: {},
    },
    {
      entityId: 'region.kyther-range',
      entityType: 'region',
      canonicalName: 'Kyther Range',
      aliases: [],
      tags: [],
      state: { controlledBy: 'faction.kite-guild', status: 'stable', threats: [] },
    },
  ],
  capabilities: [{ id: 'capability.time-travel', label: 'time travel', aliases: [], severity: 'critical' }],
});

function issues(json: unknown) {
  try {
    parseWorldFile(json);
  } catch (e) {
    assert.ok(e instanceof DomainValidationError);
    assert.equal(e.code, 'invalid_world_file');
    return e.issues;
  }
  assert.fail('expected invalid_world_file');
}

describe('parseWorldFile', () => {
  test('the shipped demo world is valid and rich', () => {
    const w = demoWorld();
    assert.ok(w.entities.length >= 25 && w.entities.length <= 40);
    assert.ok(w.capabilities.length >= 5 && w.capabilities.length <= 8);
    for (const t of ['faction', 'region', 'character', 'artifact', 'settlement'])
      assert.ok(
        w.entities.some((e) => e.entityType === t),
        t,
      );
  });
  test('accepts a minimal valid file', () => {
    assert.equal(parseWorldFile(base()).entities.length, 2);
  });
  test('refuses duplicate ids, naming the entry', () => {
    const w = base();
    w.entities.push({ ...w.entities[0]!, canonicalName: 'Other' });
    assert.deepEqual(
      issues(w).map((i) => i.field),
      ['entities[2].entityId'],
    );
  });
  test('refuses dangling controlledBy, threats and relationship targets', () => {
    const w = base();
    (w.entities[1]!.state as Record<string, unknown>).controlledBy = 'faction.nobody';
    (w.entities[1]!.state as Record<string, unknown>).threats = ['faction.ghost'];
    (w.entities[0]!.state as Record<string, unknown>).relationships = [{ type: 'allyOf', target: 'faction.void' }];
    assert.deepEqual(
      issues(w)
        .map((i) => i.field)
        .sort(),
      ['entities[0].state.relationships[0].target', 'entities[1].state.controlledBy', 'entities[1].state.threats[0]'],
    );
  });
  test('refuses unknown severities and bad id formats', () => {
    const w = base();
    (w.capabilities[0] as Record<string, unknown>).severity = 'apocalyptic';
    w.entities[0]!.entityId = 'Faction.Kite Guild';
    (w.entities[1]!.state as Record<string, unknown>).controlledBy = null;
    const fields = issues(w).map((i) => i.field);
    assert.ok(fields.includes('capabilities[0].severity'));
    assert.ok(fields.includes('entities[0].entityId'));
  });
  test('id prefix must equal entityType; capability ids must be capability.slug', () => {
    const w = base();
    w.entities[0]!.entityType = 'region';
    w.capabilities[0]!.id = 'power.time-travel';
    assert.deepEqual(
      issues(w).map((i) => i.field),
      ['entities[0].entityId', 'capabilities[0].id'],
    );
  });
  test('refuses non-objects and missing arrays', () => {
    assert.equal(issues(null)[0]?.field, '$');
    assert.ok(issues({ worldId: 'w', name: 'n' }).some((i) => i.field === 'entities'));
  });
});
