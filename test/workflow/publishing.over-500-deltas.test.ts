import assert from 'node:assert/strict';
import { AdjustableClock, forEachStore } from '../support/harness.js';
import { batchTime, fast } from './processed-closure.js';

/** Issue 11: publish-prep and apply-canon read at most 500 deltas, so a bigger closure applied only part. */
const regions = 520;

/** A world of `regions` distinct stable regions, and one line ravaging each of them. */
function bigWorld() {
  const syllables = ['ka', 'lo', 'mi', 'ru', 'te', 'vo', 'shi', 'da', 'ne'];
  const names = Array.from({ length: regions }, (_, i) => {
    const word = `${syllables[i % 9]}${syllables[Math.floor(i / 9) % 9]}${syllables[Math.floor(i / 81) % 9]}`;
    return `${word[0]?.toUpperCase()}${word.slice(1)}`;
  });
  const world = {
    worldId: 'world.big',
    name: 'Big world',
    version: 1,
    capabilities: [],
    entities: names.map((n) => ({
      entityId: `region.${n.toLowerCase()}`,
      entityType: 'region',
      canonicalName: `${n} Vale`,
      aliases: [],
      tags: [],
      state: { status: 'stable' },
    })),
  };
  return { world, lines: names.map((n) => `${n} Vale was ravaged by the storm.`) };
}

forEachStore('publishing: a closure with more than 500 deltas', (suite) => {
  suite.test('publish-prep plans every delta and apply-canon applies every one', async (ctx) => {
    const clock = new AdjustableClock();
    const { app } = await ctx.app(fast, { clock });
    const { world, lines } = bigWorld();
    await app.world.importWorld(world);
    await app.sessions.upsert('big-1', {});
    await app.sessions.appendTurns(
      'big-1',
      lines.map((text, i) => ({ turnId: `t${i + 1}`, speaker: 'gm', text })),
    );
    const closed = await app.coordinator.closeSession('big-1');
    const workers = await app.startWorkers(2);
    await workers.untilIdle();
    const job = await app.engine.requireJob(closed.job.jobId);
    assert.equal(job.status, 'completed');
    assert.equal((job.result as { deltaCount: number }).deltaCount, regions);

    const [batch] = await app.publishing.batches({ sessionId: 'big-1' });
    assert.ok(batch);
    assert.equal(batch.status, 'ready');
    assert.equal(batch.plan.bundles.length, regions, 'one lore bundle per changed region, none left out');

    clock.advance(batchTime);
    const deadline = Date.now() + 120_000;
    while ((await app.publishing.batch(batch.batchId)).status !== 'published') {
      assert.ok(Date.now() < deadline, 'the batch published within 120 s');
      await new Promise((r) => setTimeout(r, 25));
    }
    await workers.untilIdle();
    const deltas = await app.moderation.list({ sessionId: 'big-1', limit: 10_000 });
    assert.equal(deltas.length, regions);
    assert.equal(deltas.filter((d) => d.appliedAt === null).length, 0, 'every delta applied');
    const ravaged = (await app.world.entities()).filter((e) => e.state.status !== 'stable');
    assert.equal(ravaged.length, regions, 'every region changed in canon');
  });
});
