import assert from 'node:assert/strict';
import { generateSyntheticSession } from '../../src/demo/index.js';
import { parseWorldFile } from '../../src/domain/index.js';
import { forEachEngine } from '../support/engines.js';
import { AdjustableClock, demoWorld } from '../support/harness.js';
import { fast } from './processed-closure.js';

/** Issue 11: a 200-turn closure checkpointed about 210 KB (copies of the transcript and every mention). */
const maxCheckpointBytes = 40 * 1024;

forEachEngine('closure workflow: checkpoints keep references, not copies', (suite) => {
  suite.test('a 200-turn closure checkpoints at most 40 KB, and a re-run from deltas gives the same deltas', async (ctx) => {
    const { app } = await ctx.app(fast, { clock: new AdjustableClock() });
    const world = demoWorld();
    await app.world.importWorld(world);
    const session = generateSyntheticSession({
      seed: 7,
      turns: 200,
      sessionId: 'checkpoint-200',
      world: parseWorldFile(world),
      startAt: Date.UTC(2026, 0, 1),
    });
    await app.sessions.importSession(session);
    const closed = await app.coordinator.closeSession(session.sessionId);
    const workers = await app.startWorkers(2);
    await workers.untilIdle();
    const job = await app.engine.requireJob(closed.job.jobId);
    assert.equal(job.status, 'completed');

    const timeline = await app.engine.timeline(job.jobId);
    assert.equal(timeline.steps.length, 6);
    const bytes = timeline.steps.reduce((n, s) => n + Buffer.byteLength(JSON.stringify(s.output)), 0);
    assert.ok(bytes <= maxCheckpointBytes, `checkpoints of a 200-turn closure: ${bytes} bytes (at most ${maxCheckpointBytes})`);

    // The result still counts what the steps produced, from the references.
    const mentions = await app.artefacts.mentions(session.sessionId);
    const result = job.result as { mentionCount: number; deltaCount: number };
    assert.ok(mentions.length > 100, 'a 200-turn session mentions many entities');
    assert.equal(result.mentionCount, mentions.length);

    // The deltas step reads the mentions back in extraction order: re-running it proposes the same changes.
    const proposals = async () =>
      (await app.moderation.list({ sessionId: session.sessionId, limit: 10_000 }))
        .map((d) => `${d.entityId} ${JSON.stringify(d.after)} ${d.status}`)
        .sort();
    const before = await proposals();
    assert.ok(before.length > 0);
    await app.engine.rerunFrom(job.jobId, 'deltas', 'ops');
    await workers.untilIdle();
    assert.equal((await app.engine.requireJob(job.jobId)).status, 'completed');
    assert.deepEqual(await proposals(), before);
  });
});
