import assert from 'node:assert/strict';
import type { DurableEngine } from '../../src/engine/engine.js';
import type { WorkflowDefinition } from '../../src/engine/types.js';
import { readInt } from '../../src/store/ports.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { DurableEngine as Engine } from '../../src/engine/engine.js';
import { randomIds } from '../../src/clock.js';
import { forEachStore, storeOn, testEngineSettings, waitFor } from '../support/harness.js';

/**
 * Several engines, each on its own connection pool (as separate processes would be), drain one
 * queue on PostgreSQL: no job is ever held by two workers at once, every job completes once, and
 * every step's effect row exists exactly once (the artefact table has no unique key on purpose,
 * so a duplicate write would show).
 */
forEachStore('PostgreSQL: concurrent engines on separate pools', (suite) => {
  suite.test('two workers never hold the same job, and every effect is written exactly once', async (ctx, t) => {
    if (ctx.dialect !== 'postgres') return t.skip('PostgreSQL only');
    await ctx.store.driver.exec('CREATE TABLE test_artefacts (job_id TEXT NOT NULL, step TEXT NOT NULL, worker TEXT NOT NULL)');
    const holders = new Map<string, string>();
    const violations: string[] = [];
    const name = ctx.unique('wf');
    const definition = (workerName: string): WorkflowDefinition => ({
      name,
      steps: ['one', 'two'].map((step) => ({
        name: step,
        async run(c) {
          const holder = holders.get(c.job.jobId);
          if (step === 'one') {
            if (holder && holder !== workerName) violations.push(`${c.job.jobId} held by ${holder} and ${workerName}`);
            holders.set(c.job.jobId, workerName);
          }
          await new Promise((resolve) => setImmediate(resolve));
          return { step };
        },
        async commit(tx, output, c) {
          await tx.run('INSERT INTO test_artefacts (job_id, step, worker) VALUES (?, ?, ?)', [c.job.jobId, step, workerName]);
          if (step === 'two') holders.delete(c.job.jobId);
          return output;
        },
      })),
      result: () => ({}),
    });
    const engines: DurableEngine[] = [];
    for (let i = 0; i < 4; i++) {
      const store = storeOn(await ctx.openDriver(), ctx.location, ctx.clock, `engine-${i}`);
      engines.push(
        new Engine({
          store,
          logger: silentLogger(),
          clock: ctx.clock,
          ids: randomIds,
          settings: { ...testEngineSettings, claimBatchSize: 4 },
        }).register(definition(`engine-${i}`)),
      );
    }
    const total = 400;
    const [first] = engines as [DurableEngine];
    await first.deps.store.transact(async (tx) => {
      for (let i = 0; i < total; i++) await first.enqueue(tx, { workflow: name, payload: { i } });
    });
    const workers = engines.map((engine, i) =>
      ctx.track(engine.createWorker({ workflows: [name], concurrency: 8, watchdog: false, workerId: `w${i}` })),
    );
    await Promise.all(workers.map((w) => w.start()));
    await waitFor(async () => (await first.countByStatus(name)).completed === total, `${total} jobs completed`, 60_000);
    await Promise.all(workers.map((w) => w.stop()));
    assert.deepEqual(violations, []);
    const counts = await ctx.store.driver.query<{ n: number; jobs: number; dup: number }>(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT job_id) AS jobs,
         (SELECT COUNT(*) FROM (SELECT job_id, step FROM test_artefacts GROUP BY job_id, step HAVING COUNT(*) > 1) d) AS dup
       FROM test_artefacts`,
    );
    assert.deepEqual(counts[0], { n: total * 2, jobs: total, dup: 0 });
    const perWorker = workers.map((w) => w.stats.completed);
    assert.equal(
      perWorker.reduce((a, b) => a + b, 0),
      total,
    );
    assert.ok(perWorker.filter((n) => n > 0).length >= 2, `work spread over several engines: ${perWorker.join(', ')}`);
    const [attempts] = await ctx.store.driver.query('SELECT MAX(attempts) AS a FROM jobs WHERE workflow = ?', [name]);
    assert.equal(readInt(attempts?.a), 1, 'no job needed a second attempt');
  });

  suite.test('a worker on another pool that lost its lease cannot complete the job', async (ctx, t) => {
    if (ctx.dialect !== 'postgres') return t.skip('PostgreSQL only');
    const name = ctx.unique('wf');
    let releaseA!: () => void;
    const holdA = new Promise<void>((resolve) => (releaseA = resolve));
    const started: string[] = [];
    const make = (label: string, wait: Promise<void> | null): WorkflowDefinition => ({
      name,
      steps: [
        {
          name: 'only',
          async run() {
            started.push(label);
            if (wait) await wait;
            return { by: label };
          },
        },
      ],
      result: (outputs) => ({ by: (outputs.only as { by: string }).by }),
    });
    const mk = async (label: string, wait: Promise<void> | null) =>
      new Engine({
        store: storeOn(await ctx.openDriver(), ctx.location, ctx.clock, label),
        logger: silentLogger(),
        clock: ctx.clock,
        ids: randomIds,
        settings: { ...testEngineSettings, leaseMs: 1_000 },
      }).register(make(label, wait));
    const engineA = await mk('a', holdA);
    const engineB = await mk('b', null);
    const { job } = await engineA.enqueueNow({ workflow: name, payload: {} });
    const workerA = ctx.track(engineA.createWorker({ workflows: [name], watchdog: false }));
    await workerA.start();
    await waitFor(() => started.includes('a'), 'worker A to start the job');
    ctx.clock.advance(2_000);
    const workerB = ctx.track(engineB.createWorker({ workflows: [name], watchdog: false }));
    await workerB.start();
    const done = await waitFor(async () => {
      const j = await engineB.getJob(job.jobId);
      return j?.status === 'completed' ? j : undefined;
    }, 'worker B to complete the job');
    releaseA();
    await workerA.stop();
    await workerB.stop();
    assert.deepEqual(done.result, { by: 'b' });
    assert.deepEqual((await engineA.requireJob(job.jobId)).result, { by: 'b' });
    assert.equal(workerA.stats.completed, 0);
  });
});
