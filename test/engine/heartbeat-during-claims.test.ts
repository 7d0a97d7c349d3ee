import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { eventually, forEachStore } from '../support/harness.js';

forEachStore('heartbeats racing claims', (suite) => {
  suite.test('a job claimed while a heartbeat is in flight is not taken for lost', async (ctx) => {
    const { app } = await ctx.app({ engine: { heartbeatMs: 100, leaseMs: 1_000, claimBatchSize: 2, pollIntervalMs: 20 } }, {});
    const workflow = `busy-${ctx.dialect}`;
    app.engine.register({
      name: workflow,
      // Each step does some work that takes time, so heartbeats fire while other jobs are claimed.
      steps: [{ name: 'work', run: async () => delay(15).then(() => ({ done: true })) }],
      result: () => ({ ok: true }),
    });
    for (let i = 0; i < 120; i++) await app.engine.enqueueNow({ workflow, payload: { i } });
    const workers = await app.engine.startWorkers({ concurrency: 8, workflows: [workflow] });
    await eventually(
      async () => ((await app.engine.countByStatus(workflow)).completed === 120 ? true : undefined),
      30_000,
      'all jobs completed',
    );
    await workers.stop();
    const jobs = await app.engine.listJobs({ workflow, limit: 500 });
    const retried = jobs.filter((j) => j.attempts !== 1);
    assert.deepEqual(
      retried.map((j) => j.jobId),
      [],
      'no job needed a second attempt: none was abandoned as lost while its worker still held it',
    );
  });
});
