import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWorldFile, type WorldFile } from '../../src/domain/index.js';
import { packageRoot } from '../../src/paths.js';
import { demoWorld, eventually, forEachStore } from '../support/harness.js';
import { batchTime, processedClosure } from './processed-closure.js';

/** Issue 11: re-importing the world file erased canon the pipeline had applied (`replaceWorld` deleted every entity). */
forEachStore('world canon: merge on re-import, change history, export', (suite) => {
  suite.test('re-import merges field by field, keeps pipeline canon, reports conflicts; history and export', async (ctx) => {
    const { app, clock, batch } = await processedClosure(ctx, 'canon-1', [
      'The Iron Tithe seized the Kyther Range from the Thalric Order.',
    ]);
    assert.ok(batch);
    for (const delta of await app.moderation.list({ sessionId: 'canon-1', status: 'needs-review', limit: 500 }))
      await app.moderation.decide(delta.deltaId, { decision: 'approve', actor: 'mod-ana' });
    clock.advance(batchTime);
    await eventually(
      async () => ((await app.publishing.batch(batch.batchId)).status === 'published' ? true : undefined),
      10_000,
      'the batch published',
    );
    assert.equal((await app.world.entity('region.kyther-range')).state.controlledBy, 'faction.iron-tithe');

    // The entity's history says which delta of which session changed the field, approved by whom.
    const history = await app.world.history('region.kyther-range');
    const fromDelta = history.items.find((c) => c.source === 'delta' && c.field === 'state.controlledBy');
    assert.ok(fromDelta, JSON.stringify(history.items));
    assert.equal(fromDelta.sessionId, 'canon-1');
    assert.equal(fromDelta.before, 'faction.prismwell-kite-guild');
    assert.equal(fromDelta.after, 'faction.iron-tithe');
    assert.equal(fromDelta.approvedBy, 'mod-ana');
    const [applied] = await app.moderation
      .list({ sessionId: 'canon-1', limit: 500 })
      .then((ds) => ds.filter((d) => d.entityId === 'region.kyther-range'));
    assert.equal(fromDelta.deltaId, applied?.deltaId);
    assert.ok(
      history.items.some((c) => c.source === 'import'),
      'the first import is in the history too',
    );

    // The studio edits its world file: one field the pipeline changed too, one it did not, and a new entity.
    const file = demoWorld() as WorldFile;
    const edited: WorldFile = {
      ...file,
      entities: [
        ...file.entities.map((e) => {
          if (e.entityId === 'region.kyther-range')
            return { ...e, state: { ...e.state, controlledBy: 'faction.emberwright-compact' } };
          if (e.entityId === 'settlement.harrowgate') return { ...e, tags: [...e.tags, 'walled'] };
          return e;
        }),
        {
          entityId: 'region.ashfall-reach',
          entityType: 'region',
          canonicalName: 'Ashfall Reach',
          aliases: [],
          tags: ['new'],
          state: { status: 'stable' },
        },
      ],
    };
    const report = await app.world.importWorld(edited, 'studio');
    assert.equal(report.merged, true);
    assert.equal(report.added, 1);
    assert.ok(report.updated >= 1);
    assert.deepEqual(
      report.conflicts.map((c) => [c.entityId, c.field, c.canon, c.file]),
      [['region.kyther-range', 'state.controlledBy', 'faction.iron-tithe', 'faction.emberwright-compact']],
      'the one field both changed is reported',
    );
    assert.equal(
      (await app.world.entity('region.kyther-range')).state.controlledBy,
      'faction.iron-tithe',
      'canon applied by the pipeline is kept',
    );
    assert.ok(
      (await app.world.entity('settlement.harrowgate')).tags.includes('walled'),
      'a field only the file edited is updated',
    );
    assert.equal((await app.world.entity('region.ashfall-reach')).canonicalName, 'Ashfall Reach');
    assert.equal((await app.world.entities()).length, file.entities.length + 1);
    const harrowgate = await app.world.history('settlement.harrowgate');
    assert.ok(harrowgate.items.some((c) => c.source === 'import' && c.field === 'tags' && c.approvedBy === 'studio'));

    // The export is the current canon as a world file; importing it again changes nothing.
    const exported = await app.world.exportWorld();
    const parsed = parseWorldFile(exported);
    assert.equal(parsed.entities.length, file.entities.length + 1);
    assert.equal(parsed.entities.find((e) => e.entityId === 'region.kyther-range')?.state.controlledBy, 'faction.iron-tithe');
    const again = await app.world.importWorld(exported, 'studio');
    assert.deepEqual([again.added, again.updated, again.conflicts.length], [0, 0, 0]);

    if (ctx.dialect === 'sqlite') {
      // `afterword world export` writes the same file.
      const dataDir = app.config.dataDir;
      await app.stop();
      const out = join(dataDir, 'export.json');
      const cli = join(packageRoot, 'build', 'src', 'cli', 'main.js');
      const result = spawnSync(process.execPath, [cli, '--data', dataDir, 'world', 'export', '--out', out], {
        encoding: 'utf8',
        env: { ...process.env, AFTERWORD_LOG_LEVEL: 'silent' },
      });
      assert.equal(result.status, 0, result.stderr);
      const written = parseWorldFile(JSON.parse(readFileSync(out, 'utf8')));
      assert.equal(written.entities.find((e) => e.entityId === 'region.kyther-range')?.state.controlledBy, 'faction.iron-tithe');
    }
  });
});
