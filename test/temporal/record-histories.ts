/**
 * Records the workflow histories the replay test replays (test/fixtures/temporal-histories/).
 * Run against a real Temporal server after a deliberate, versioned workflow change, and commit
 * the new files next to the old ones (old histories must keep replaying):
 *
 *   npx tsc -p tsconfig.json
 *   AFTERWORD_TEMPORAL_ADDRESS=127.0.0.1:7233 node build/test/temporal/record-histories.js
 *
 * Scenarios: a closure that completes; one whose summariser fails until its attempts run out; a
 * publishing batch held at its gate, signalled by the moderation decision and published; a
 * due-later digest cancelled while it waits on its timer; a closure re-run from a step (the run
 * its reset created). A history already recorded is kept (delete the file to record it again).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { DeterministicSummariser, type Summariser } from '../../src/domain/index.js';
import { packageRoot } from '../../src/paths.js';
import type { TemporalEngine } from '../../src/temporal/temporal-engine.js';
import { temporalTestConfig } from '../support/engines.js';
import { AdjustableClock, createTestApp, demoWorld, eventually, sampleTurns } from '../support/harness.js';

const dir = join(packageRoot, 'test', 'fixtures', 'temporal-histories');
const fast = { engine: { backoffBaseMs: 1, backoffMaxMs: 5, pollIntervalMs: 20, maxAttempts: 2 } };

async function save(client: Client, name: string, jobId: string): Promise<void> {
  const file = join(dir, `${name}.json`);
  if (existsSync(file)) {
    console.log(`kept ${name} (recorded already)`);
    return;
  }
  const history = await client.workflow.getHandle(jobId).fetchHistory();
  writeFileSync(file, `${historyToJSON(history)}\n`);
  console.log(`recorded ${name} (${history.events?.length ?? 0} events)`);
}

async function terminal(app: Awaited<ReturnType<typeof createTestApp>>['app'], jobId: string, client: Client) {
  await eventually(async () => {
    const job = await app.engine.requireJob(jobId);
    return ['completed', 'failed', 'cancelled'].includes(job.status) ? true : undefined;
  }, 60_000);
  await client.workflow
    .getHandle(jobId)
    .result()
    .catch(() => undefined);
}

const clock = new AdjustableClock();
let failing = true;
const flaky: Summariser = {
  summarise(input, opts) {
    if (failing) throw new Error('summariser unavailable');
    return new DeterministicSummariser().summarise(input, opts);
  },
};

const { app, cleanup } = await createTestApp(temporalTestConfig(fast), { clock, summariser: flaky });
try {
  const client = await (app.engine as TemporalEngine).temporalClient();
  await app.world.importWorld(demoWorld());
  await app.startWorkers(2);

  // A closure whose summariser fails: retried with back-off, then failed for good.
  await app.sessions.upsert('replay-fail', {});
  await app.sessions.appendTurns('replay-fail', sampleTurns);
  const failed = await app.coordinator.closeSession('replay-fail');
  await terminal(app, failed.job.jobId, client);
  await save(client, 'closure-failed-after-retries', failed.job.jobId);
  failing = false;

  // A closure that completes, whose batch needs moderation.
  await app.sessions.upsert('replay-ok', {});
  await app.sessions.appendTurns('replay-ok', [
    { turnId: 't1', speaker: 'gm', text: 'The Iron Tithe seized the Kyther Range from the Thalric Order.' },
  ]);
  const closed = await app.coordinator.closeSession('replay-ok');
  await terminal(app, closed.job.jobId, client);
  await save(client, 'closure-completed', closed.job.jobId);

  // The batch at its time waits at the gate; the moderation decision signals it; it publishes.
  clock.advance(61 * 60_000);
  const batchJob = await eventually(async () => {
    const [job] = await app.engine.listJobs({ workflow: 'publishing.batch', limit: 1 });
    const waiting = await app.eventsSince(0, { topics: ['engine.job.waiting'] });
    return job && waiting.some((e) => e.jobId === job.jobId) ? job : undefined;
  }, 30_000);
  for (const delta of (await app.moderation.list({ sessionId: 'replay-ok' })).filter((d) => d.status === 'needs-review')) {
    await app.moderation.decide(delta.deltaId, { decision: 'approve', actor: 'mod' });
  }
  await terminal(app, batchJob.jobId, client);
  await save(client, 'batch-gate-signalled-published', batchJob.jobId);

  // A due-later digest, cancelled while it waits on its timer.
  const digest = await app.engine.enqueueNow({
    workflow: 'publishing.digest',
    payload: { digestAt: clock.now() + 3_600_000 },
    runAt: clock.now() + 3_600_000,
  });
  await eventually(async () => {
    const description = await client.workflow
      .getHandle(digest.job.jobId)
      .describe()
      .catch(() => null);
    return description ? true : undefined;
  });
  await app.engine.cancel(digest.job.jobId, 'ops');
  await terminal(app, digest.job.jobId, client);
  await save(client, 'digest-cancelled-while-due-later', digest.job.jobId);

  // A completed closure re-run from extract: the run its reset created, which replays the first
  // run's history up to the reset point, fails one runStep with lease_lost, then runs a new attempt.
  await app.sessions.upsert('replay-rerun', {});
  await app.sessions.appendTurns('replay-rerun', sampleTurns);
  const rerun = await app.coordinator.closeSession('replay-rerun');
  await terminal(app, rerun.job.jobId, client);
  const reset = eventually(async () => {
    const [event] = await app.eventsSince(0, { topics: ['temporal.job.rerun'] });
    return event?.payload.mode === 'reset' ? event : undefined;
  }, 60_000);
  await app.engine.rerunFrom(rerun.job.jobId, 'extract', 'ops');
  await reset;
  await terminal(app, rerun.job.jobId, client);
  await save(client, 'closure-rerun-reset', rerun.job.jobId);
} finally {
  await cleanup();
}
