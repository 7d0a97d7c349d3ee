import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { demoWorldPath } from '../../src/paths.js';
import { cliInTempDir } from './cli-runner.js';

const { dir, run } = cliInTempDir('afterword-cli-moderation-');

describe('CLI: contested entities and bulk decisions', () => {
  test('two sessions contest an entity: one item, decided once; the rest in bulk after a dry run', () => {
    assert.equal(run('world', 'import', demoWorldPath).code, 0);
    const lines: Record<string, string[]> = {
      'cli-m-1': ['The Iron Tithe seized the Kyther Range.'],
      'cli-m-2': ['The Veiled Court seized the Kyther Range.', 'The Saltmarch Corsairs seized the Sunder Gap.'],
    };
    for (const [sessionId, texts] of Object.entries(lines)) {
      const file = join(dir, `${sessionId}.json`);
      writeFileSync(
        file,
        JSON.stringify({ sessionId, turns: texts.map((text, i) => ({ turnId: `t${i}`, speaker: 'gm', text })) }),
      );
      assert.equal(run('import', file, '--close').code, 0);
      assert.equal(run('worker', '--until-idle').code, 0);
    }
    const contested = JSON.parse(run('--json', 'contested').stdout);
    assert.equal(contested.items.length, 1);
    const [item] = contested.items;
    assert.equal(item.entityId, 'region.kyther-range');
    const kept = item.proposals.find((p: { sessionId: string }) => p.sessionId === 'cli-m-1');
    const decided = run('contested', 'decide', 'region.kyther-range', 'pick', '--delta', kept.deltaId, '--by', 'mod-cli');
    assert.equal(decided.code, 0, decided.stderr);
    assert.match(decided.stdout, /kept .* \(cli-m-1\); 1 rejected/);

    const preview = run('decide-bulk', 'approve', '--session', 'cli-m-2', '--dry-run');
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, /^1 delta\(s\) would be decided/);
    const bulk = JSON.parse(run('--json', 'decide-bulk', 'approve', '--session', 'cli-m-2').stdout);
    assert.equal(bulk.decided, 1);
    const waiting = JSON.parse(run('--json', 'deltas', '--status', 'needs-review').stdout);
    assert.deepEqual(waiting.deltas, []);
    const open = JSON.parse(run('--json', 'alerts', '--state', 'open').stdout);
    assert.deepEqual(open.alerts, [], 'their alerts resolved with them');
  });

  test('a bad filter: exit 2 naming the field', () => {
    const out = run('decide-bulk', 'approve', '--reason', 'nonsense');
    assert.equal(out.code, 2);
    assert.match(out.stderr, /filter\.reason/);
  });
});
