import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runStudioScale } from '../../bench/studio-scale.js';
import { adapters } from '../support/harness.js';

// The scale benchmark itself (bench/studio-scale.ts) with a handful of short sessions, so it keeps
// working; its figures are not asserted (no performance assertions in tests), its outcomes are.
test('bench/studio-scale.ts runs end to end: every batch publishes, no alert left open', async () => {
  const { rows, markdown } = await runStudioScale({
    sessions: 4,
    turns: 40,
    stores: adapters.includes('sqlite') ? ['sqlite'] : [],
  });
  for (const row of rows) {
    assert.equal(row.closuresCompleted, row.sessions);
    assert.equal(row.batchesPublished, row.batches);
    assert.equal(row.openAlertsAfter, 0);
    assert.ok(row.storeBytesAfter <= row.storeBytesBefore);
    assert.ok((row.pruned?.jobs ?? 0) > 0);
  }
  assert.match(markdown, /Studio scale/);
});
