import assert from 'node:assert/strict';
import { forEachEngine } from '../support/engines.js';
import { AdjustableClock, demoWorld, eventually } from '../support/harness.js';

forEachEngine('moderation and publishing', (suite) => {
  suite.test(
    'a batch held for moderation becomes ready after decisions without re-running the workflow, then publishes at its time',
    async (ctx) => {
      const clock = new AdjustableClock();
      const { app } = await ctx.app({ engine: { pollIntervalMs: 20, backoffBaseMs: 1 } }, { clock });
      await app.world.importWorld(demoWorld());
      await app.sessions.upsert('pub-1', {});
      // Control passes to a faction that does not hold the region in canon: a control collision needing review.
      await app.sessions.appendTurns('pub-1', [
        { turnId: 't1', speaker: 'gm', text: 'The Iron Tithe seized the Kyther Range from the Thalric Order.' },
        { turnId: 't2', speaker: 'gm', text: 'Harrowgate was ravaged by the storm.' },
      ]);
      const { job } = await app.coordinator.closeSession('pub-1');
      const orchestrator = await app.startWorkers(2);
      await orchestrator.untilIdle();
      const closure = await app.engine.requireJob(job.jobId);
      assert.equal(closure.status, 'completed');
      const deltas = await app.moderation.list({ sessionId: 'pub-1' });
      const review = deltas.filter((d) => d.status === 'needs-review');
      assert.ok(review.length >= 1, 'some delta needs review');
      const alerts = await app.alerts.list({ sessionId: 'pub-1', reason: 'world_delta_requires_moderation' });
      assert.equal(alerts.length, review.length, 'one moderation alert per delta needing review, carrying the session id');
      let [batch] = await app.publishing.batches({ sessionId: 'pub-1' });
      assert.equal(batch?.status, 'awaiting_moderation');
      assert.equal(batch?.plan.searchJobs.length, 0, 'no search jobs while awaiting moderation');

      for (const delta of review) await app.moderation.decide(delta.deltaId, { decision: 'approve', actor: 'mod', note: 'fine' });
      [batch] = await app.publishing.batches({ sessionId: 'pub-1' });
      assert.equal(batch?.status, 'ready');
      assert.ok((batch?.plan.searchJobs.length ?? 0) > 0);
      assert.equal((await app.engine.requireJob(job.jobId)).attempts, closure.attempts, 'the closure workflow did not run again');

      // Move to the batch time: the due-later job applies approved deltas and publishes.
      clock.advance(61 * 60_000);
      await eventually(
        async () => ((await app.publishing.batches({ sessionId: 'pub-1' }))[0]?.status === 'published' ? true : undefined),
        10_000,
        'batch published',
      );
      const region = await app.world.entity('region.kyther-range');
      assert.equal(region.state.controlledBy, 'faction.iron-tithe', 'approved control change applied to canon');
      const town = await app.world.entity('settlement.harrowgate');
      assert.equal(town.state.status, 'devastated', 'a delta that never needed review is applied too');
      const hits = await eventually(async () => {
        const found = await app.lore.search('Kyther');
        return found.length > 0 ? found : undefined;
      });
      assert.ok(hits.some((h) => h.entityId === 'region.kyther-range'));
    },
  );

  suite.test(
    'a second session contradicting a pending delta is flagged against it (deltas are checked against pending deltas of other sessions)',
    async (ctx) => {
      const { app } = await ctx.app({ engine: { pollIntervalMs: 20 } }, {});
      await app.world.importWorld(demoWorld());
      for (const id of ['cross-1', 'cross-2']) {
        await app.sessions.upsert(id, {});
        await app.sessions.appendTurns(id, [
          {
            turnId: 't1',
            speaker: 'gm',
            text: id === 'cross-1' ? 'The Iron Tithe seized the Kyther Range.' : 'The Thalric Order captured the Kyther Range.',
          },
        ]);
      }
      const orchestrator = await app.startWorkers(1);
      await app.coordinator.closeSession('cross-1');
      await orchestrator.untilIdle();
      await app.coordinator.closeSession('cross-2');
      await orchestrator.untilIdle();
      const [first] = (await app.moderation.list({ sessionId: 'cross-1' })).filter((d) => d.entityId === 'region.kyther-range');
      const [second] = (await app.moderation.list({ sessionId: 'cross-2' })).filter((d) => d.entityId === 'region.kyther-range');
      assert.ok(first && second);
      const conflict = second.safety.conflicts.find((c) => c.type === 'pending_delta_conflict') as
        | { conflictingDeltaId?: string }
        | undefined;
      assert.equal(conflict?.conflictingDeltaId, first.deltaId);
    },
  );
});
