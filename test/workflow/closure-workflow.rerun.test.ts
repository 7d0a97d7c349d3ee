import assert from 'node:assert/strict';
import type { Afterword } from '../../src/app.js';
import { AfterwordError } from '../../src/errors.js';
import { forEachEngine } from '../support/engines.js';
import { type StoreContext, waitForEvent } from '../support/harness.js';
import { batchTime, processedClosure } from './processed-closure.js';

const lines = ['Harrowgate was ravaged by the storm.', 'The Iron Tithe marched on the Kyther Range, they say.'];
const completedClosure = (ctx: StoreContext, sessionId: string) => processedClosure(ctx, sessionId, lines);

async function count(_ctx: StoreContext, app: Afterword, sql: string, sessionId: string) {
  const [row] = await app.store.driver.query<{ n: number }>(sql, [sessionId]);
  return Number(row?.n);
}

forEachEngine('closure workflow: re-run from a step', (suite) => {
  suite.test('a re-run from extract replaces the mentions, deltas and batch of that run, and reconciles again', async (ctx) => {
    const { app, workers, job } = await completedClosure(ctx, 'rerun-1');
    assert.equal(job.status, 'completed');
    const mentions = await count(ctx, app, 'SELECT COUNT(*) AS n FROM entity_mentions WHERE session_id = ?', 'rerun-1');
    const deltas = await count(ctx, app, 'SELECT COUNT(*) AS n FROM world_deltas WHERE session_id = ?', 'rerun-1');
    const [before] = await app.publishing.batches({ sessionId: 'rerun-1' });
    assert.ok(mentions > 0 && deltas > 0 && before);
    const rerun = waitForEvent(app, 'engine.job.rerun', (e) => e.jobId === job.jobId);
    const requeued = await app.engine.rerunFrom(job.jobId, 'extract', 'ops');
    assert.equal(requeued.status, 'queued');
    assert.equal((await app.sessions.summary('rerun-1')).pendingOfflineReconcile, true);
    assert.deepEqual((await rerun).payload.discardedSteps, ['extract', 'deltas', 'publish-prep', 'reconcile']);
    await workers.untilIdle();
    const again = await app.engine.requireJob(job.jobId);
    assert.equal(again.status, 'completed');
    const timeline = await app.engine.timeline(job.jobId);
    assert.deepEqual(
      timeline.steps.map((s) => [s.step, s.attempt]),
      [
        ['sanitise', 1],
        ['consolidate', 1],
        ['extract', 2],
        ['deltas', 2],
        ['publish-prep', 2],
        ['reconcile', 2],
      ],
    );
    assert.equal(await count(ctx, app, 'SELECT COUNT(*) AS n FROM entity_mentions WHERE session_id = ?', 'rerun-1'), mentions);
    assert.equal(await count(ctx, app, 'SELECT COUNT(*) AS n FROM world_deltas WHERE session_id = ?', 'rerun-1'), deltas);
    assert.equal(await count(ctx, app, 'SELECT COUNT(*) AS n FROM story_summaries WHERE session_id = ?', 'rerun-1'), 1);
    const batches = await app.publishing.batches({ sessionId: 'rerun-1' });
    assert.equal(batches.length, 1, 'the unpublished batch was replaced, not doubled');
    assert.notEqual(batches[0]?.batchId, before.batchId);
    assert.equal((again.result as { publishing: { batchId: string } }).publishing.batchId, batches[0]?.batchId);
    assert.equal((await app.sessions.summary('rerun-1')).pendingOfflineReconcile, false);
    const history = await app.sessions.history('rerun-1');
    assert.equal(history.items.length, 1, 'one run, re-run in place');
    assert.equal(history.items[0]?.status, 'completed');
  });

  suite.test('a re-run from consolidate replaces the summary under the same version', async (ctx) => {
    const { app, workers, job } = await completedClosure(ctx, 'rerun-2');
    await app.engine.rerunFrom(job.jobId, 'consolidate', 'ops');
    await workers.untilIdle();
    assert.equal((await app.engine.requireJob(job.jobId)).status, 'completed');
    assert.equal(await count(ctx, app, 'SELECT COUNT(*) AS n FROM story_summaries WHERE session_id = ?', 'rerun-2'), 1);
    assert.equal(((await app.artefacts.summary('rerun-2')) as { version: number }).version, 1);
  });

  suite.test('once its batch is published a closure re-runs only from reconcile: published lore is kept', async (ctx) => {
    const { app, workers, clock, job } = await completedClosure(ctx, 'rerun-3');
    const published = waitForEvent(app, 'telemetry.publish.batch.published', (e) => e.sessionId === 'rerun-3');
    clock.advance(batchTime);
    await published;
    await workers.untilIdle();
    await assert.rejects(app.engine.rerunFrom(job.jobId, 'deltas', 'ops'), (error: unknown) => {
      assert.ok(error instanceof AfterwordError && error.code === 'invalid_input');
      assert.equal(error.issues[0]?.field, 'step');
      assert.match(error.issues[0]?.reason ?? '', /published/);
      return true;
    });
    assert.equal((await app.engine.requireJob(job.jobId)).status, 'completed', 'the refused re-run changed nothing');
    await app.engine.rerunFrom(job.jobId, 'reconcile', 'ops');
    await workers.untilIdle();
    assert.equal((await app.engine.requireJob(job.jobId)).status, 'completed');
  });
});
