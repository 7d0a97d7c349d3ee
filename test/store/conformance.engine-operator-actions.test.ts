import assert from 'node:assert/strict';
import type { StepContext, WorkflowDefinition } from '../../src/engine/types.js';
import { AfterwordError } from '../../src/errors.js';
import type { StoredEvent } from '../../src/telemetry/topics.js';
import { forEachStore, type StoreContext, waitFor } from '../support/harness.js';
import { gate, jobWithStatus, stepAttempts, testWorkflow } from './test-workflows.js';

const code = (expected: string) => (error: unknown) => error instanceof AfterwordError && error.code === expected;

function eventsOf(ctx: StoreContext, topic: string): StoredEvent[] {
  const seen: StoredEvent[] = [];
  ctx.bus.subscribe({ topics: [topic] }, (e) => void seen.push(e));
  return seen;
}

/** One step that waits for the signal `go` unless `open()` says otherwise; counts its runs. */
function gatedWorkflow(name: string, state: { open: boolean; runs: number }): WorkflowDefinition {
  return {
    name,
    steps: [
      {
        name: 'gate',
        run(ctx: StepContext<Record<string, unknown>>) {
          state.runs++;
          if (!state.open) ctx.waitForSignal('go', ctx.now + 3_600_000);
          return { passed: true };
        },
      },
      { name: 'after', run: () => ({ done: true }) },
    ],
    result: (outputs) => ({ steps: Object.keys(outputs).length }),
  };
}

forEachStore('engine operator actions: re-run from a step, reschedule, signal', (suite) => {
  suite.test('a re-run from a step discards that and later checkpoints, runs only those again, and is recorded', async (ctx) => {
    const name = ctx.unique('wf');
    const runs: string[] = [];
    const hooked: unknown[] = [];
    const engine = ctx.createEngine().register({
      ...testWorkflow(name, { steps: 3, onStep: (a, s) => runs.push(`${a}:${s}`) }),
      hooks: {
        // The workflow's clean-up hears who re-runs (the Temporal engine's reset carries it too).
        async onRerun(_tx, _job, fromStep, discarded, actor) {
          hooked.push({ fromStep, discarded, actor });
        },
      },
    });
    const reruns = eventsOf(ctx, 'engine.job.rerun');
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    const worker = ctx.track(engine.createWorker({ workflows: [name], watchdog: false }));
    await worker.start();
    await jobWithStatus(ctx, engine, job.jobId, 'completed');
    const requeued = await engine.rerunFrom(job.jobId, 'step-2', 'ops-alice');
    assert.equal(requeued.status, 'queued');
    assert.equal(requeued.result, null, 'the earlier result is cleared');
    const done = await jobWithStatus(ctx, engine, job.jobId, 'completed');
    await worker.stop();
    assert.deepEqual(runs, ['1:step-1', '1:step-2', '1:step-3', '2:step-2', '2:step-3']);
    assert.deepEqual(hooked, [{ fromStep: 'step-2', discarded: ['step-2', 'step-3'], actor: 'ops-alice' }]);
    assert.equal(done.attempts, 2);
    assert.deepEqual(await stepAttempts(engine, job.jobId), [
      ['step-1', 1],
      ['step-2', 2],
      ['step-3', 2],
    ]);
    await waitFor(() => reruns.length === 1, 'the rerun event');
    assert.deepEqual(
      { ...reruns[0]?.payload, jobId: undefined },
      {
        jobId: undefined,
        workflow: name,
        actor: 'ops-alice',
        fromStep: 'step-2',
        discardedSteps: ['step-2', 'step-3'],
        attempts: 1,
      },
    );
  });

  suite.test('a re-run names the bad step, refuses unfinished jobs and unknown ones', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx.createEngine().register(testWorkflow(name, { steps: 2 }));
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    await assert.rejects(engine.rerunFrom(job.jobId, 'step-1', 'ops'), code('job_busy'), 'a queued job is not finished');
    await assert.rejects(engine.rerunFrom('no-such-job', 'step-1', 'ops'), code('job_not_found'));
    await engine.cancel(job.jobId, 'ops');
    await assert.rejects(engine.rerunFrom(job.jobId, 'step-9', 'ops'), (error: unknown) => {
      assert.ok(error instanceof AfterwordError && error.code === 'invalid_input');
      assert.deepEqual(error.issues, [{ field: 'step', reason: 'must be one of step-1, step-2' }]);
      return true;
    });
    assert.equal((await engine.requireJob(job.jobId)).status, 'cancelled', 'a refused re-run changes nothing');
    const again = await engine.rerunFrom(job.jobId, 'step-1', 'ops');
    assert.equal(again.status, 'queued', 'a cancelled job can be re-run from its first step');
  });

  suite.test('a re-run is refused while another job holds the concurrency key', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx.createEngine().register(testWorkflow(name, { steps: 1 }));
    const { job: first } = await engine.enqueueNow({ workflow: name, payload: {}, concurrencyKey: 'k' });
    await engine.cancel(first.jobId, 'ops');
    await engine.enqueueNow({ workflow: name, payload: {}, concurrencyKey: 'k' });
    await assert.rejects(engine.rerunFrom(first.jobId, 'step-1', 'ops'), code('job_busy'));
    await assert.rejects(engine.retry(first.jobId, 'ops'), code('job_busy'));
    assert.equal((await engine.requireJob(first.jobId)).status, 'cancelled');
  });

  suite.test('reschedule moves a waiting job, records it, and wakes workers when it is due sooner', async (ctx) => {
    const name = ctx.unique('wf');
    // Workers would sleep ten minutes between polls: only the reschedule's wake-up gets the job run.
    const engine = ctx.createEngine({ pollIntervalMs: 600_000 }).register(testWorkflow(name, { steps: 1 }));
    const moves = eventsOf(ctx, 'engine.job.rescheduled');
    const later = ctx.clock.now() + 3_600_000;
    const { job } = await engine.enqueueNow({ workflow: name, payload: {}, runAt: later });
    const worker = ctx.track(engine.createWorker({ workflows: [name], watchdog: false }));
    await worker.start();
    await worker.untilIdle();
    const moved = await ctx.store.transact((tx) => engine.reschedule(tx, job.jobId, ctx.clock.now(), 'ops-bob'));
    assert.ok(moved.runAt < later);
    await jobWithStatus(ctx, engine, job.jobId, 'completed');
    await worker.stop();
    await waitFor(() => moves.length === 1, 'the rescheduled event');
    assert.equal(moves[0]?.payload.actor, 'ops-bob');
    assert.equal(moves[0]?.payload.previousRunAt, later);
    await assert.rejects(
      ctx.store.transact((tx) => engine.reschedule(tx, job.jobId, later, 'ops')),
      code('job_not_reschedulable'),
      'a finished job keeps its schedule',
    );
  });

  suite.test('a step waiting for a signal hands its job back; the signal makes it due at once', async (ctx) => {
    const name = ctx.unique('wf');
    const state = { open: false, runs: 0 };
    const engine = ctx.createEngine({ pollIntervalMs: 600_000 }).register(gatedWorkflow(name, state));
    const waiting = eventsOf(ctx, 'engine.job.waiting');
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    const worker = ctx.track(engine.createWorker({ workflows: [name], watchdog: false }));
    await worker.start();
    await waitFor(() => waiting.length === 1, 'the job to wait');
    const parked = await engine.requireJob(job.jobId);
    assert.equal(parked.status, 'queued');
    assert.equal(parked.attempts, 0, 'waiting counts no attempt');
    assert.ok(parked.runAt > ctx.clock.now() + 3_000_000, 'due at the wait deadline');
    assert.deepEqual((await engine.timeline(job.jobId)).steps, [], 'nothing of the waiting step is checkpointed');
    state.open = true;
    await ctx.store.transact((tx) => engine.signal(tx, job.jobId, 'go', { why: 'test' }));
    const done = await jobWithStatus(ctx, engine, job.jobId, 'completed');
    await worker.stop();
    assert.equal(done.attempts, 1);
    assert.equal(state.runs, 2);
    const attempts = (await engine.timeline(job.jobId)).attempts.map((a) => a.outcome);
    assert.deepEqual(attempts, ['waiting', 'completed']);
  });

  suite.test('a signal that arrives while the step is still deciding to wait is not lost', async (ctx) => {
    const name = ctx.unique('wf');
    const decided = gate();
    const running = gate();
    let firstRun = true;
    const engine = ctx.createEngine({ pollIntervalMs: 600_000 }).register({
      name,
      steps: [
        {
          name: 'gate',
          async run(c: StepContext<Record<string, unknown>>) {
            if (!firstRun) return { passed: true };
            firstRun = false;
            running.open();
            await decided.promise; // the signal is sent meanwhile
            return c.waitForSignal('go', c.now + 3_600_000);
          },
        },
      ],
      result: () => ({}),
    });
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    const worker = ctx.track(engine.createWorker({ workflows: [name], watchdog: false }));
    await worker.start();
    await running.promise;
    await ctx.store.transact((tx) => engine.signal(tx, job.jobId, 'go'));
    decided.open();
    await jobWithStatus(ctx, engine, job.jobId, 'completed');
    await worker.stop();
  });

  suite.test('a signal to a job not waiting for it keeps its schedule; a finished job ignores it', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx.createEngine().register(testWorkflow(name, { steps: 1 }));
    const later = ctx.clock.now() + 3_600_000;
    const { job } = await engine.enqueueNow({ workflow: name, payload: {}, runAt: later });
    await ctx.store.transact((tx) => engine.signal(tx, job.jobId, 'go'));
    assert.equal((await engine.requireJob(job.jobId)).runAt, later);
    await engine.cancel(job.jobId, 'ops');
    await ctx.store.transact((tx) => engine.signal(tx, job.jobId, 'go'));
    await ctx.store.transact((tx) => engine.signal(tx, 'no-such-job', 'go'));
  });

  suite.test("a step's heartbeat extends its lease, and rejects once the job was taken away", async (ctx) => {
    const name = ctx.unique('wf');
    const beat = gate();
    const stolen = gate();
    const outcomes: string[] = [];
    const engine = ctx.createEngine({ leaseMs: 1_000 }).register({
      name,
      steps: [
        {
          name: 'slow',
          async run(c: StepContext<Record<string, unknown>>) {
            if (c.attempt > 1) return { attempt: c.attempt };
            ctx.clock.advance(400); // more than a quarter lease since the claim
            await c.heartbeat();
            outcomes.push('extended');
            beat.open();
            await stolen.promise;
            await c.heartbeat().then(
              () => outcomes.push('kept'),
              (error: AfterwordError) => outcomes.push(error.code),
            );
            return { attempt: c.attempt };
          },
        },
      ],
      result: () => ({}),
    });
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    const worker = ctx.track(engine.createWorker({ workflows: [name], watchdog: false, workerId: 'slow-worker' }));
    await worker.start();
    await beat.promise;
    const held = await engine.requireJob(job.jobId);
    assert.ok((held.leaseExpiresAt ?? 0) >= ctx.clock.now() + 900, 'the heartbeat pushed the lease out');
    ctx.clock.advance(2_000);
    const thief = ctx.track(engine.createWorker({ workflows: [name], watchdog: false, workerId: 'thief' }));
    await thief.start();
    await jobWithStatus(ctx, engine, job.jobId, 'completed');
    stolen.open();
    await waitFor(() => outcomes.length === 2, 'the second heartbeat');
    await worker.stop();
    await thief.stop();
    assert.deepEqual(outcomes, ['extended', 'lease_lost']);
  });
});
