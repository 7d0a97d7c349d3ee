import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { DeterministicSummariser, type Summariser } from '../../src/domain/index.js';
import type { TemporalEngine } from '../../src/temporal/temporal-engine.js';
import { outboxBacklog } from '../../src/temporal/temporal-outbox-store.js';
import { skipWithoutTemporal, temporalTestConfig } from '../support/engines.js';
import { createTestApp, eventually, sampleTurns, type TestApp, waitForEvent } from '../support/harness.js';
import { privateTemporal, temporalCli } from '../support/private-temporal.js';

/** What only the Temporal engine has: its workflows' own state, and the outbox relay's outage handling. */
const fast = { engine: { backoffBaseMs: 200, backoffMaxMs: 200, pollIntervalMs: 20, maxAttempts: 100 } };

async function workflowStatus(app: TestApp['app'], jobId: string): Promise<string | null> {
  const client = await (app.engine as TemporalEngine).temporalClient();
  const description = await client.workflow
    .getHandle(jobId)
    .describe()
    .catch(() => null);
  return description?.status.name ?? null;
}

async function withApp(t: TestContext, overrides: Parameters<typeof temporalTestConfig>[0], options = {}) {
  const test = await createTestApp(temporalTestConfig(overrides), options);
  t.after(() => test.cleanup());
  return test.app;
}

describe('temporal engine: cancel reaches the workflow', () => {
  it('cancelling a due-later job cancels its workflow waiting on its timer', { timeout: 90_000 }, async (t) => {
    if (await skipWithoutTemporal(t)) return;
    const app = await withApp(t, fast);
    await app.startWorkers(1);
    const { job } = await app.engine.enqueueNow({
      workflow: 'publishing.digest',
      payload: { digestAt: Date.now() + 3_600_000 },
      runAt: Date.now() + 3_600_000,
    });
    await eventually(async () => ((await workflowStatus(app, job.jobId)) === 'RUNNING' ? true : undefined), 30_000, 'running');
    const cancelled = await app.engine.cancel(job.jobId, 'ops');
    assert.equal(cancelled.status, 'cancelled');
    await eventually(
      async () => ((await workflowStatus(app, job.jobId)) === 'CANCELLED' ? true : undefined),
      30_000,
      'cancelled',
    );
    assert.equal((await app.engine.requireJob(job.jobId)).status, 'cancelled');
  });

  it('cancelling a closure between attempts ends its workflow; an operator retry starts a new run that completes', {
    timeout: 90_000,
  }, async (t) => {
    if (await skipWithoutTemporal(t)) return;
    let failing = true;
    const flaky: Summariser = {
      summarise(input, opts) {
        if (failing) throw new Error('summariser unavailable');
        return new DeterministicSummariser().summarise(input, opts);
      },
    };
    const app = await withApp(t, fast, { summariser: flaky });
    await app.sessions.upsert('cancel-1', {});
    await app.sessions.appendTurns('cancel-1', sampleTurns);
    const retrying = waitForEvent(app, 'offline.sessionClosure.retrying', (e) => e.sessionId === 'cancel-1', 30_000);
    const { job } = await app.coordinator.closeSession('cancel-1');
    await app.startWorkers(1);
    await retrying;
    await app.engine.cancel(job.jobId, 'ops');
    await eventually(
      async () => ((await workflowStatus(app, job.jobId)) === 'CANCELLED' ? true : undefined),
      30_000,
      'cancelled',
    );
    assert.equal((await app.engine.requireJob(job.jobId)).status, 'cancelled');
    failing = false;
    await app.engine.retry(job.jobId, 'ops');
    await eventually(async () => ((await app.engine.requireJob(job.jobId)).status === 'completed' ? true : undefined), 30_000);
    // The new run of the same workflow id completes right after its last activity.
    await eventually(
      async () => ((await workflowStatus(app, job.jobId)) === 'COMPLETED' ? true : undefined),
      30_000,
      'completed',
    );
    const timeline = await app.engine.timeline(job.jobId);
    assert.deepEqual(timeline.pendingSteps, []);
  });
});

describe('temporal engine: Temporal unreachable at closure', () => {
  it('the closure commits, its start waits in the outbox, offline.enqueue_failed is raised, and it runs once Temporal is back', {
    timeout: 180_000,
  }, async (t) => {
    if (!temporalCli()) {
      t.skip('no Temporal CLI for a private server: set AFTERWORD_TEMPORAL_CLI or run .ci/start-temporal once');
      return;
    }
    const server = await privateTemporal();
    t.after(() => server.destroy());
    const app = await withApp(t, {
      ...fast,
      temporal: { address: server.address, relay: { alertAfterMs: 300, backoffBaseMs: 50, backoffMaxMs: 300 } },
    });
    await app.sessions.upsert('offline-1', {});
    await app.sessions.appendTurns('offline-1', sampleTurns);
    const alerted = waitForEvent(app, 'admin.alert', (e) => e.payload.reason === 'offline.enqueue_failed', 30_000);
    const { job } = await app.coordinator.closeSession('offline-1');
    assert.equal(job.status, 'queued', 'the closure and its job committed without Temporal');
    const alert = await alerted;
    assert.equal(alert.payload.severity, 'high');
    assert.equal((await outboxBacklog(app.store.driver)).pending, 1, 'the start waits in the outbox');
    await server.start();
    await app.startWorkers(1);
    await eventually(async () => ((await app.engine.requireJob(job.jobId)).status === 'completed' ? true : undefined), 60_000);
    assert.equal((await outboxBacklog(app.store.driver)).pending, 0);
    assert.equal((await app.engine.requireJob(job.jobId)).attempts, 1);
  });
});
