import assert from 'node:assert/strict';
import type { Afterword } from '../../src/app.js';
import { AfterwordError } from '../../src/errors.js';
import { forEachEngine } from '../support/engines.js';
import { DeterministicSummariser, type Summariser } from '../../src/domain/index.js';
import type { StoredEvent } from '../../src/telemetry/topics.js';
import type { TemporalEngine } from '../../src/temporal/temporal-engine.js';
import { AdjustableClock, demoWorld, eventually, type StoreContext, waitForEvent } from '../support/harness.js';
import { currentRun } from '../support/temporal-history.js';
import { batchTime, fast, processedClosure } from './processed-closure.js';

const lines = ['Harrowgate was ravaged by the storm.', 'The Iron Tithe marched on the Kyther Range, they say.'];
const completedClosure = (ctx: StoreContext, sessionId: string) => processedClosure(ctx, sessionId, lines);

async function count(_ctx: StoreContext, app: Afterword, sql: string, sessionId: string) {
  const [row] = await app.store.driver.query<{ n: number }>(sql, [sessionId]);
  return Number(row?.n);
}

type OutboxRow = Record<string, unknown>;

/** The job's rows in the Temporal outbox (the relay is stopped, so they stay there). */
function outboxRows(app: Afterword, jobId: string): Promise<OutboxRow[]> {
  return app.store.driver.query<OutboxRow>('SELECT id, kind, job_id, created_at, detail FROM temporal_outbox WHERE job_id = ?', [
    jobId,
  ]);
}

/** The same row again, as the relay finds it after a crash between sending it and deleting it. */
async function resend(app: Afterword, row: OutboxRow): Promise<void> {
  await app.store.driver.run('INSERT INTO temporal_outbox (id, kind, job_id, created_at, detail) VALUES (?, ?, ?, ?, ?)', [
    row.id,
    row.kind,
    row.job_id,
    row.created_at,
    row.detail,
  ]);
  (app.engine as TemporalEngine).relay.poke();
}

/**
 * A closure that failed at consolidate (its summariser refuses the transcript, without retries)
 * and so never reached the later steps; `heal()` makes the summariser work from then on.
 */
async function failedClosure(ctx: StoreContext, sessionId: string) {
  let failing = true;
  const summariser: Summariser = {
    summarise(input, opts) {
      if (failing) throw Object.assign(new Error('summariser refused the transcript'), { retryable: false });
      return new DeterministicSummariser().summarise(input, opts);
    },
  };
  const { app } = await ctx.app(fast, { clock: new AdjustableClock(), summariser });
  await app.world.importWorld(demoWorld());
  await app.sessions.upsert(sessionId, {});
  await app.sessions.appendTurns(
    sessionId,
    lines.map((text, i) => ({ turnId: `t${i + 1}`, speaker: 'gm', text })),
  );
  const { job } = await app.coordinator.closeSession(sessionId);
  const workers = await app.startWorkers(1);
  await eventually(async () => ((await app.engine.requireJob(job.jobId)).status === 'failed' ? true : undefined));
  return {
    app,
    job,
    workers,
    heal: () => {
      failing = false;
    },
  };
}

forEachEngine('closure workflow: re-run from a step', (suite) => {
  suite.test('a re-run from extract replaces the mentions, deltas and batch of that run, and reconciles again', async (ctx) => {
    const { app, workers, job } = await completedClosure(ctx, 'rerun-1');
    assert.equal(job.status, 'completed');
    const mentions = await count(ctx, app, 'SELECT COUNT(*) AS n FROM entity_mentions WHERE session_id = ?', 'rerun-1');
    const deltas = await count(ctx, app, 'SELECT COUNT(*) AS n FROM world_deltas WHERE session_id = ?', 'rerun-1');
    const [before] = await app.publishing.batches({ sessionId: 'rerun-1' });
    assert.ok(mentions > 0 && deltas > 0 && before);
    const firstRun = ctx.engine === 'temporal' ? await currentRun(app, job.jobId) : null;
    const rerun = waitForEvent(app, 'engine.job.rerun', (e) => e.jobId === job.jobId);
    const reached = ctx.engine === 'temporal' ? waitForEvent(app, 'temporal.job.rerun', (e) => e.jobId === job.jobId) : null;
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
    if (firstRun && reached) {
      // On Temporal the re-run is a reset of the same workflow: a new run whose history keeps the
      // earlier steps' activities from before the reset point, then runs extract and later again.
      assert.deepEqual(firstRun.after, ['sanitise', 'consolidate', 'extract', 'deltas', 'publish-prep', 'reconcile']);
      const event = await reached;
      assert.equal(event.payload.mode, 'reset', JSON.stringify(event.payload));
      assert.equal(event.payload.actor, 'ops');
      assert.equal(event.payload.fromStep, 'extract');
      assert.equal(typeof event.payload.resetEventId, 'number');
      const run = await eventually(async () => {
        const now = await currentRun(app, job.jobId);
        return now.status === 'COMPLETED' ? now : undefined;
      });
      assert.notEqual(run.runId, firstRun.runId, 'a new run of the same workflow id');
      assert.equal(run.runId, event.payload.runId);
      assert.equal(run.resets, 1);
      assert.deepEqual(run.before, ['sanitise', 'consolidate'], 'the earlier steps are history, not run again');
      assert.deepEqual(run.after, ['extract', 'deltas', 'publish-prep', 'reconcile'], 'each later step ran once more');
    }
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

  suite.test(
    'a re-run from a step the failed run never reached runs the missing steps too (on Temporal: a new run)',
    async (ctx) => {
      const { app, job, workers, heal } = await failedClosure(ctx, 'rerun-4');
      const failedRun = ctx.engine === 'temporal' ? await currentRun(app, job.jobId) : null;
      heal();
      const reached = ctx.engine === 'temporal' ? waitForEvent(app, 'temporal.job.rerun', (e) => e.jobId === job.jobId) : null;
      await app.engine.rerunFrom(job.jobId, 'reconcile', 'ops');
      await workers.untilIdle();
      assert.equal((await app.engine.requireJob(job.jobId)).status, 'completed');
      const timeline = await app.engine.timeline(job.jobId);
      assert.deepEqual(
        timeline.steps.map((s) => [s.step, s.attempt]),
        [
          ['sanitise', 1],
          ['consolidate', 2],
          ['extract', 2],
          ['deltas', 2],
          ['publish-prep', 2],
          ['reconcile', 2],
        ],
      );
      assert.equal(await count(ctx, app, 'SELECT COUNT(*) AS n FROM story_summaries WHERE session_id = ?', 'rerun-4'), 1);
      if (failedRun && reached) {
        // reconcile was never scheduled in the failed run: there is no point to reset to.
        const event = await reached;
        assert.deepEqual(
          [event.payload.mode, event.payload.reason, event.payload.fromStep, event.payload.actor],
          ['new_run', 'step_not_scheduled', 'reconcile', 'ops'],
        );
        const run = await eventually(async () => {
          const now = await currentRun(app, job.jobId);
          return now.status === 'COMPLETED' ? now : undefined;
        });
        assert.notEqual(run.runId, failedRun.runId);
        assert.equal(run.runId, event.payload.runId);
        assert.equal(run.resets, 0);
        assert.deepEqual(
          run.after,
          ['consolidate', 'extract', 'deltas', 'publish-prep', 'reconcile'],
          'sanitise is not run again',
        );
      }
    },
  );

  suite.test('a re-run that fell back to a new run, sent twice, starts one run', async (ctx, t) => {
    if (ctx.engine !== 'temporal') {
      t.skip("the outbox and its new run are the Temporal engine's");
      return;
    }
    const { app, job, workers, heal } = await failedClosure(ctx, 'rerun-6');
    heal();
    const engine = app.engine as TemporalEngine;
    await engine.relay.stop();
    await app.engine.rerunFrom(job.jobId, 'reconcile', 'ops-dana');
    const [row] = (await outboxRows(app, job.jobId)) as [OutboxRow];
    const seen: StoredEvent[] = [];
    app.bus.subscribe({ topics: ['temporal.job.rerun'] }, (e) => void seen.push(e));
    engine.relay.start();
    await eventually(async () => (seen.length === 1 ? true : undefined), undefined, 'the new run');
    await workers.untilIdle();
    const first = await eventually(async () => {
      const now = await currentRun(app, job.jobId);
      return now.status === 'COMPLETED' ? now : undefined;
    });
    assert.deepEqual([seen[0]?.payload.mode, seen[0]?.payload.reason], ['new_run', 'step_not_scheduled']);
    await resend(app, row);
    await eventually(async () => (seen.length === 2 ? true : undefined), undefined, 'the repeated row');
    assert.deepEqual(
      { mode: seen[1]?.payload.mode, runId: seen[1]?.payload.runId, repeated: seen[1]?.payload.repeated },
      { mode: 'new_run', runId: first.runId, repeated: true },
      'the relay finds the run it started: no second run',
    );
    const after = await currentRun(app, job.jobId);
    assert.deepEqual([after.runId, after.status], [first.runId, 'COMPLETED'], 'the completed run was not replaced');
    assert.equal((await app.engine.requireJob(job.jobId)).status, 'completed');
  });

  suite.test('a reset sent twice (a relay that died before deleting its outbox row) resets once', async (ctx, t) => {
    if (ctx.engine !== 'temporal') {
      t.skip("the outbox and its reset are the Temporal engine's");
      return;
    }
    const { app, workers, job } = await completedClosure(ctx, 'rerun-5');
    const engine = app.engine as TemporalEngine;
    await engine.relay.stop();
    await app.engine.rerunFrom(job.jobId, 'deltas', 'ops-carol');
    const rows = await outboxRows(app, job.jobId);
    assert.equal(rows.length, 1, 'one row for the re-run, no restart');
    const [row] = rows as [OutboxRow];
    assert.equal(row.kind, 'reset');
    assert.deepEqual(JSON.parse(String(row.detail)), { step: 'deltas', actor: 'ops-carol' });
    const seen: StoredEvent[] = [];
    app.bus.subscribe({ topics: ['temporal.job.rerun'] }, (e) => void seen.push(e));
    engine.relay.start();
    await eventually(async () => (seen.length === 1 ? true : undefined), undefined, 'the reset');
    await workers.untilIdle();
    assert.equal((await app.engine.requireJob(job.jobId)).status, 'completed');
    const first = await eventually(async () => {
      const now = await currentRun(app, job.jobId);
      return now.status === 'COMPLETED' ? now : undefined;
    });
    assert.equal(first.resets, 1);
    assert.equal(seen[0]?.payload.mode, 'reset');
    assert.equal(first.runId, seen[0]?.payload.runId);
    await resend(app, row);
    await eventually(async () => (seen.length === 2 ? true : undefined), undefined, 'the repeated reset');
    await workers.untilIdle();
    assert.deepEqual(
      { mode: seen[1]?.payload.mode, runId: seen[1]?.payload.runId, repeated: seen[1]?.payload.repeated },
      { mode: 'reset', runId: first.runId, repeated: true },
      'the relay finds its reset done in the run it created: nothing is reset again',
    );
    const after = await currentRun(app, job.jobId);
    assert.deepEqual([after.runId, after.status, after.resets], [first.runId, 'COMPLETED', 1], 'no second reset');
    assert.deepEqual(
      (await app.engine.timeline(job.jobId)).steps.map((s) => [s.step, s.attempt]),
      [
        ['sanitise', 1],
        ['consolidate', 1],
        ['extract', 1],
        ['deltas', 2],
        ['publish-prep', 2],
        ['reconcile', 2],
      ],
    );
    assert.equal((await app.publishing.batches({ sessionId: 'rerun-5' })).length, 1);
  });

  suite.test(
    'a re-run of a job whose workflow history is gone starts a new run on Temporal',
    async (ctx, t) => {
      if (ctx.engine !== 'temporal') {
        t.skip("workflow histories are the Temporal engine's");
        return;
      }
      const { app, workers, job } = await completedClosure(ctx, 'rerun-6');
      const client = await (app.engine as TemporalEngine).temporalClient();
      await eventually(async () => ((await currentRun(app, job.jobId)).status === 'COMPLETED' ? true : undefined));
      // As past the namespace's retention: the execution and its history are deleted.
      await client.workflowService.deleteWorkflowExecution({
        namespace: app.config.temporal.namespace,
        workflowExecution: { workflowId: job.jobId },
      });
      // Temporal deletes asynchronously (10 to 40 s on a busy dev server).
      await eventually(
        async () => ((await currentRun(app, job.jobId).catch(() => null)) === null ? true : undefined),
        150_000,
        'the history deleted',
      );
      const reached = waitForEvent(app, 'temporal.job.rerun', (e) => e.jobId === job.jobId);
      await app.engine.rerunFrom(job.jobId, 'reconcile', 'ops');
      const event = await reached;
      assert.deepEqual([event.payload.mode, event.payload.reason], ['new_run', 'history_not_found']);
      await workers.untilIdle();
      assert.equal((await app.engine.requireJob(job.jobId)).status, 'completed');
      const run = await eventually(async () => {
        const now = await currentRun(app, job.jobId).catch(() => null);
        return now?.status === 'COMPLETED' ? now : undefined;
      });
      assert.equal(run.runId, event.payload.runId);
      assert.deepEqual([run.resets, run.after], [0, ['reconcile']], 'a new run of only the discarded step');
    },
    { timeout: 240_000 },
  );
});
