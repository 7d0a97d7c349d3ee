import assert from 'node:assert/strict';
import { AfterwordError } from '../../src/errors.js';
import { assertLease } from '../../src/engine/sql/assert-lease.js';
import { claimJobs } from '../../src/engine/sql/claim-jobs.js';
import { completeJob } from '../../src/engine/sql/complete-jobs.js';
import { extendLeases } from '../../src/engine/sql/extend-leases.js';
import { failJob } from '../../src/engine/sql/fail-job.js';
import { loadAttempts } from '../../src/engine/sql/load-attempts.js';
import { takeLateJobs } from '../../src/engine/sql/take-late-jobs.js';
import type { Job } from '../../src/engine/types.js';
import { forEachStore, type StoreContext, waitFor } from '../support/harness.js';
import { gate, jobWithStatus, stepAttempts, testWorkflow } from './test-workflows.js';

async function claim(ctx: StoreContext, workflow: string, limit: number, token: string, workerId = 'w1', leaseMs = 1_000) {
  const claimed = await ctx.store.transact((tx) =>
    claimJobs(tx, { workflows: [workflow], limit, workerId, leaseToken: token, leaseMs, now: tx.now }, ctx.store),
  );
  return claimed.map((c) => c.job);
}

/** Whether the store writes completions set-based (deferred to one statement per commit). */
const setBased = (ctx: StoreContext) => ctx.store.driver.capabilities.writableCtes;

const isLeaseLost = (error: unknown) => error instanceof AfterwordError && error.code === 'lease_lost';

forEachStore('engine job store', (suite) => {
  suite.test('an enqueue with an existing idempotency key returns the first job', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx.createEngine().register(testWorkflow(name));
    const first = await engine.enqueueNow({ workflow: name, payload: { n: 1 }, idempotencyKey: 'k' });
    const second = await engine.enqueueNow({ workflow: name, payload: { n: 2 }, idempotencyKey: 'k' });
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(second.job.jobId, first.job.jobId);
    assert.deepEqual(second.job.payload, { n: 1 });
  });

  suite.test('one unfinished job per concurrency key; a new one once the first finished', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx.createEngine().register(testWorkflow(name, { steps: 1 }));
    const first = await engine.enqueueNow({ workflow: name, payload: {}, concurrencyKey: 'session-1' });
    const blocked = await engine.enqueueNow({ workflow: name, payload: {}, concurrencyKey: 'session-1' });
    assert.equal(blocked.created, false);
    assert.equal(blocked.job.jobId, first.job.jobId);
    const worker = ctx.track(engine.createWorker({ workflows: [name], watchdog: false }));
    await worker.start();
    await jobWithStatus(ctx, engine, first.job.jobId, 'completed');
    await worker.stop();
    const next = await engine.enqueueNow({ workflow: name, payload: {}, concurrencyKey: 'session-1' });
    assert.equal(next.created, true);
    assert.notEqual(next.job.jobId, first.job.jobId);
  });

  suite.test('a claim takes several jobs at once, leases them and counts an attempt each', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx.createEngine().register(testWorkflow(name));
    for (let i = 0; i < 5; i++) await engine.enqueueNow({ workflow: name, payload: { i } });
    const claimed = await claim(ctx, name, 3, 'token-a');
    assert.equal(claimed.length, 3);
    assert.deepEqual(
      claimed.map((j) => j.payload.i),
      [0, 1, 2],
    );
    for (const job of claimed) {
      assert.equal(job.status, 'processing');
      assert.equal(job.attempts, 1);
      assert.equal(job.leaseToken, 'token-a');
      const attempts = await loadAttempts(ctx.store.driver, job.jobId);
      assert.deepEqual(
        attempts.map((a) => [a.attempt, a.workerId, a.endedAt]),
        [[1, 'w1', null]],
      );
    }
    assert.equal((await claim(ctx, name, 10, 'token-b')).length, 2);
    assert.equal((await claim(ctx, name, 10, 'token-c')).length, 0);
  });

  suite.test('fencing: a worker whose lease expired and was re-claimed cannot complete, checkpoint or fail', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx.createEngine().register(testWorkflow(name));
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    const [first] = await claim(ctx, name, 1, 'token-old', 'w-old', 1_000);
    assert.equal(first?.jobId, job.jobId);
    assert.equal((await claim(ctx, name, 1, 'token-early', 'w-new')).length, 0, 'a live lease is not claimable');
    ctx.clock.advance(1_001);
    const [second] = await claim(ctx, name, 1, 'token-new', 'w-new');
    assert.equal(second?.jobId, job.jobId);
    assert.equal(second?.attempts, 2);
    await assert.rejects(
      ctx.store.transact((tx) => assertLease(tx, job.jobId, 'token-old', tx.now)),
      isLeaseLost,
    );
    await assert.rejects(
      ctx.store.transact((tx) => completeJob(tx, first as Job, 'token-old', {}, setBased(ctx))),
      isLeaseLost,
    );
    await assert.rejects(
      ctx.store.transact((tx) => failJob(tx, job.jobId, 'token-old', { message: 'x', code: 'internal' }, null, tx.now)),
      isLeaseLost,
    );
    const done = await ctx.store.transact((tx) => completeJob(tx, second as Job, 'token-new', { ok: true }, setBased(ctx)));
    assert.equal(done.status, 'completed');
    const attempts = await loadAttempts(ctx.store.driver, job.jobId);
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.outcome]),
      [
        [1, 'lease_expired'],
        [2, 'completed'],
      ],
    );
  });

  suite.test('a batch of completions commits together; one whose lease was lost is refused alone', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx.createEngine().register(testWorkflow(name));
    for (let i = 0; i < 3; i++) await engine.enqueueNow({ workflow: name, payload: { i } });
    const held = await claim(ctx, name, 3, 'token-held', 'w-held', 1_000);
    assert.equal(held.length, 3);
    // The middle job's lease expires and another worker takes it over.
    await ctx.store.driver.run('UPDATE jobs SET lease_expires_at = ? WHERE id = ?', [ctx.clock.now(), held[1]?.jobId]);
    const [stolen] = await claim(ctx, name, 1, 'token-thief', 'w-thief');
    assert.equal(stolen?.jobId, held[1]?.jobId);
    const step = (job: Job) => ({
      step: 'only',
      stepIndex: 0,
      attempt: job.attempts,
      output: { job: job.jobId },
      startedAt: ctx.clock.now(),
      completedAt: ctx.clock.now(),
      durationMs: 0,
    });
    const results = await ctx.store.runner.transactBatch(
      held.map((job) => (tx) => completeJob(tx, job, 'token-held', { i: job.payload.i }, setBased(ctx), step(job))),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.ok(isLeaseLost((results[1] as PromiseRejectedResult).reason));
    for (const [i, job] of held.entries()) {
      const stored = await engine.getJob(job.jobId);
      const steps = await ctx.store.driver.query('SELECT step FROM job_steps WHERE job_id = ?', [job.jobId]);
      if (i === 1) {
        assert.equal(stored?.status, 'processing');
        assert.equal(stored?.leaseToken, 'token-thief');
        assert.equal(steps.length, 0, 'the refused completion wrote no checkpoint');
      } else {
        assert.equal(stored?.status, 'completed');
        assert.deepEqual(stored?.result, { i });
        assert.equal(steps.length, 1);
        const attempts = await loadAttempts(ctx.store.driver, job.jobId);
        assert.deepEqual(
          attempts.map((a) => [a.attempt, a.outcome]),
          [[1, 'completed']],
        );
      }
    }
  });

  suite.test('an expired lease is reclaimed by another worker, and the old worker cannot finish the job', async (ctx) => {
    const name = ctx.unique('wf');
    const gates = new Map([
      [1, gate()],
      [2, gate()],
    ]);
    const started: number[] = [];
    const definition = testWorkflow(name, {
      gates: new Map([...gates].map(([k, g]) => [k, g.promise])),
      onStep: (attempt, step) => step === 'step-1' && started.push(attempt),
    });
    const engineA = ctx.createEngine({ leaseMs: 1_000 }).register(definition);
    const engineB = ctx.createEngine({ leaseMs: 1_000 }).register(definition);
    const { job } = await engineA.enqueueNow({ workflow: name, payload: {} });
    const workerA = ctx.track(engineA.createWorker({ workflows: [name], watchdog: false, workerId: 'worker-a' }));
    await workerA.start();
    await waitFor(() => started.includes(1), 'attempt 1 to start');
    ctx.clock.advance(1_500);
    const workerB = ctx.track(engineB.createWorker({ workflows: [name], watchdog: false, workerId: 'worker-b' }));
    await workerB.start();
    await waitFor(() => started.includes(2), 'attempt 2 to start');
    gates.get(2)?.open();
    await jobWithStatus(ctx, engineB, job.jobId, 'completed');
    gates.get(1)?.open(); // the old attempt wakes up and tries to checkpoint: fenced off
    await workerA.stop();
    await workerB.stop();
    const final = await engineA.requireJob(job.jobId);
    assert.equal(final.status, 'completed');
    assert.equal(final.attempts, 2);
    assert.equal(final.leaseOwner, null);
    assert.deepEqual(await stepAttempts(engineA, job.jobId), [
      ['step-1', 2],
      ['step-2', 2],
    ]);
    assert.equal(workerA.stats.completed, 0);
    assert.equal(workerB.stats.completed, 1);
  });

  suite.test('a heartbeat extends the leases still held and reports the ones lost', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx.createEngine().register(testWorkflow(name));
    await engine.enqueueNow({ workflow: name, payload: {} });
    await engine.enqueueNow({ workflow: name, payload: {} });
    const [kept, lost] = await claim(ctx, name, 2, 'token-w1', 'w1', 1_000);
    assert.ok(kept && lost);
    const until = ctx.clock.now() + 60_000;
    const still = await extendLeases(
      ctx.store.driver,
      [
        { jobId: kept.jobId, leaseToken: 'token-w1' },
        { jobId: lost.jobId, leaseToken: 'someone-elses-token' },
      ],
      'w1',
      until,
    );
    assert.deepEqual([...still], [kept.jobId]);
    assert.equal((await engine.requireJob(kept.jobId)).leaseExpiresAt, until);
    assert.notEqual((await engine.requireJob(lost.jobId)).leaseExpiresAt, until);
  });

  suite.test('stopping a worker hands its running job back without counting the attempt', async (ctx) => {
    const name = ctx.unique('wf');
    const never = gate();
    const started: number[] = [];
    const engine = ctx
      .createEngine()
      .register(testWorkflow(name, { gates: new Map([[1, never.promise]]), onStep: (a) => started.push(a) }));
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    const worker = ctx.track(engine.createWorker({ workflows: [name], watchdog: false }));
    await worker.start();
    await waitFor(() => started.length > 0, 'the job to start');
    const outcome = await worker.stop(20);
    assert.deepEqual(outcome, { drained: 0, released: 1 });
    const released = await engine.requireJob(job.jobId);
    assert.equal(released.status, 'queued');
    assert.equal(released.attempts, 0);
    assert.equal(released.leaseToken, null);
    assert.deepEqual(await loadAttempts(ctx.store.driver, job.jobId), []);
  });

  suite.test('a retryable error retries after back-off, recording every attempt', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx
      .createEngine({ backoffBaseMs: 40 }, { random: () => 0 })
      .register(testWorkflow(name, { failOn: (a) => (a === 1 ? new Error('flaky') : undefined) }));
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    const worker = ctx.track(engine.createWorker({ workflows: [name], watchdog: false }));
    const retrying = new Promise<number>((resolve) =>
      ctx.bus.subscribe({ topics: ['engine.job.retrying'] }, (e) => {
        if (e.jobId === job.jobId) resolve(Number(e.payload.retryAt));
      }),
    );
    const before = ctx.clock.now();
    await worker.start();
    const retryAt = await retrying;
    assert.ok(retryAt - before >= 20, `back-off of at least base/2 (got ${retryAt - before} ms)`);
    const done = await jobWithStatus(ctx, engine, job.jobId, 'completed');
    await worker.stop();
    assert.equal(done.attempts, 2);
    const attempts = await loadAttempts(ctx.store.driver, job.jobId);
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.outcome]),
      [
        [1, 'retrying'],
        [2, 'completed'],
      ],
    );
    assert.equal(attempts[0]?.error?.message, 'flaky');
  });

  suite.test('a retried job resumes after its last checkpoint: finished steps do not run again', async (ctx) => {
    const name = ctx.unique('wf');
    const runs: string[] = [];
    const engine = ctx.createEngine({ backoffBaseMs: 1 }).register(
      testWorkflow(name, {
        steps: 3,
        failAt: 1,
        failOn: (a) => (a === 1 ? new Error('second step flaky') : undefined),
        onStep: (attempt, step) => runs.push(`${attempt}:${step}`),
      }),
    );
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    const worker = ctx.track(engine.createWorker({ workflows: [name], watchdog: false }));
    await worker.start();
    await jobWithStatus(ctx, engine, job.jobId, 'completed');
    await worker.stop();
    assert.deepEqual(runs, ['1:step-1', '1:step-2', '2:step-2', '2:step-3']);
    assert.deepEqual(await stepAttempts(engine, job.jobId), [
      ['step-1', 1],
      ['step-2', 2],
      ['step-3', 2],
    ]);
  });

  suite.test('a non-retryable error fails the job at once', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx
      .createEngine()
      .register(testWorkflow(name, { failOn: () => new AfterwordError('invalid_input', 'bad payload', { retryable: false }) }));
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    const worker = ctx.track(engine.createWorker({ workflows: [name], watchdog: false }));
    await worker.start();
    const failed = await jobWithStatus(ctx, engine, job.jobId, 'failed');
    await worker.stop();
    assert.equal(failed.attempts, 1);
    assert.equal(failed.error?.code, 'invalid_input');
    assert.equal(failed.leaseToken, null);
  });

  suite.test('attempts are capped by maxAttempts', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx
      .createEngine({ backoffBaseMs: 1 })
      .register(testWorkflow(name, { maxAttempts: 2, failOn: () => new Error('always') }));
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    const worker = ctx.track(engine.createWorker({ workflows: [name], watchdog: false }));
    await worker.start();
    const failed = await jobWithStatus(ctx, engine, job.jobId, 'failed');
    await worker.stop();
    assert.equal(failed.attempts, 2);
    assert.equal(failed.error?.code, 'attempts_exhausted');
  });

  suite.test('cancel stops an unfinished job; a cancelled job cannot be cancelled again', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx.createEngine().register(testWorkflow(name));
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    const cancelled = await engine.cancel(job.jobId, 'tester');
    assert.equal(cancelled.status, 'cancelled');
    await assert.rejects(engine.cancel(job.jobId), (e) => e instanceof AfterwordError && e.code === 'job_not_cancellable');
    await assert.rejects(engine.cancel('no-such-job'), (e) => e instanceof AfterwordError && e.code === 'job_not_found');
    assert.equal((await claim(ctx, name, 10, 't')).length, 0);
  });

  suite.test('an operator retry requeues a failed job, which then completes', async (ctx) => {
    const name = ctx.unique('wf');
    let fail = true;
    const engine = ctx.createEngine().register(
      testWorkflow(name, {
        failOn: () => (fail ? new AfterwordError('invalid_input', 'bad', { retryable: false }) : undefined),
      }),
    );
    const { job } = await engine.enqueueNow({ workflow: name, payload: {} });
    const worker = ctx.track(engine.createWorker({ workflows: [name], watchdog: false }));
    await worker.start();
    await jobWithStatus(ctx, engine, job.jobId, 'failed');
    await assert.rejects(engine.retry('no-such-job'), (e) => e instanceof AfterwordError && e.code === 'job_not_found');
    fail = false;
    const requeued = await engine.retry(job.jobId, 'tester');
    assert.equal(requeued.status, 'queued');
    const done = await jobWithStatus(ctx, engine, job.jobId, 'completed');
    await worker.stop();
    assert.equal(done.attempts, 2);
    await assert.rejects(engine.retry(job.jobId), (e) => e instanceof AfterwordError && e.code === 'job_not_retryable');
  });

  suite.test('a job due later is not claimed before its time', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx.createEngine().register(testWorkflow(name));
    const { job } = await engine.enqueueNow({ workflow: name, payload: {}, runAt: ctx.clock.now() + 60_000 });
    assert.equal((await claim(ctx, name, 10, 't1')).length, 0);
    ctx.clock.advance(60_001);
    const [claimed] = await claim(ctx, name, 10, 't2');
    assert.equal(claimed?.jobId, job.jobId);
  });

  suite.test('the SLA watchdog query returns late unfinished jobs once', async (ctx) => {
    const name = ctx.unique('wf');
    const engine = ctx.createEngine().register(testWorkflow(name));
    const { job: late } = await engine.enqueueNow({ workflow: name, payload: {}, slaMs: 1_000 });
    const { job: relaxed } = await engine.enqueueNow({ workflow: name, payload: {}, slaMs: 600_000 });
    ctx.clock.advance(2_000);
    const first = await ctx.store.transact((tx) => takeLateJobs(tx, tx.now));
    const ids = first.map((j) => j.jobId);
    assert.ok(ids.includes(late.jobId));
    assert.ok(!ids.includes(relaxed.jobId));
    const again = await ctx.store.transact((tx) => takeLateJobs(tx, tx.now));
    assert.ok(!again.map((j) => j.jobId).includes(late.jobId));
  });
});
