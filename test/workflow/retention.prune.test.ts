import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ConfigInput } from '../../src/config.js';
import { packageRoot } from '../../src/paths.js';
import { AdjustableClock, demoWorld, forEachStore, type StoreContext } from '../support/harness.js';
import { fast } from './processed-closure.js';

const day = 24 * 3_600_000;
const lines = [
  'Harrowgate was ravaged by the storm.',
  'The Iron Tithe marched on the Kyther Range, they say.',
  'A stranger turned back time.',
];

async function closedAndProcessed(ctx: StoreContext, sessionId: string, retention: ConfigInput['retention'] = {}) {
  const clock = new AdjustableClock();
  const { app } = await ctx.app({ ...fast, retention: { pruneIntervalMs: 0, ...retention } }, { clock });
  await app.world.importWorld(demoWorld());
  await app.sessions.upsert(sessionId, {});
  await app.sessions.appendTurns(
    sessionId,
    lines.map((text, i) => ({ turnId: `t${i + 1}`, speaker: 'gm', text })),
  );
  const closed = await app.coordinator.closeSession(sessionId);
  const workers = await app.startWorkers(2);
  await workers.untilIdle();
  const job = await app.engine.requireJob(closed.job.jobId);
  assert.equal(job.status, 'completed');
  return { app, clock, job, workers };
}

forEachStore('retention: pruning events, finished jobs and closed alerts', (suite) => {
  suite.test('nothing goes before its retention; after it, finished history goes and live state stays', async (ctx) => {
    const { app, clock, job } = await closedAndProcessed(ctx, 'prune-1', { batchSize: 2 });
    const alerts = await app.alerts.list({ sessionId: 'prune-1' });
    assert.ok(alerts.length > 0, 'the closure raised alerts');
    // Decide every delta: their alerts are resolved with their cause.
    for (const delta of await app.moderation.list({ sessionId: 'prune-1', status: 'needs-review', limit: 500 }))
      await app.moderation.decide(delta.deltaId, { decision: 'approve', actor: 'ops' });
    const resolved = await app.alerts.list({ sessionId: 'prune-1', state: 'resolved' });
    assert.ok(resolved.length > 0, 'deciding resolved alerts');
    const unresolved = await app.alerts.list({ sessionId: 'prune-1', state: 'unresolved' });

    const early = await app.prune();
    assert.deepEqual([early.events, early.jobs, early.steps, early.attempts, early.alerts], [0, 0, 0, 0, 0]);

    const latest = await app.latestEventId();
    clock.advance(31 * day);
    const report = await app.prune();
    assert.ok(report.events > 2, `old events pruned (${report.events}), in batches of 2`);
    assert.ok(report.jobs >= 1, 'the finished closure job is pruned');
    assert.ok(report.steps >= 6, 'with its six checkpoints');
    assert.ok(report.attempts >= 1, 'and its attempts');
    assert.equal(report.alerts, resolved.length, 'the alerts resolved before the cut-off go');

    assert.equal(await app.engine.getJob(job.jobId), null);
    // The publishing batch's job is not finished (it waits for the batch time or its gate): kept.
    const [batch] = await app.publishing.batches({ sessionId: 'prune-1' });
    assert.ok(batch);
    const batchJobs = await app.engine.listJobs({ workflow: 'publishing.batch', limit: 10 });
    assert.ok(batchJobs.some((j) => j.payload && (j.payload as { batchId?: string }).batchId === batch.batchId));
    const left = new Set((await app.alerts.list({ sessionId: 'prune-1' })).map((a) => a.id));
    assert.ok(
      unresolved.every((a) => left.has(a.id)),
      'alerts unresolved at the cut-off are kept',
    );
    assert.ok((await app.latestEventId()) >= latest, 'the newest event stays: event ids never go back');
    // The session and its artefacts are not history: kept.
    assert.ok((await app.artefacts.mentions('prune-1')).length > 0);

    const again = await app.prune();
    assert.equal(again.jobs, 0);
  });

  suite.test('the workers prune on their own every retention.pruneIntervalMs', async (ctx) => {
    const { app, clock, job } = await closedAndProcessed(ctx, 'prune-2', { pruneIntervalMs: 20 });
    clock.advance(31 * day);
    const deadline = Date.now() + 10_000;
    while ((await app.engine.getJob(job.jobId)) !== null) {
      assert.ok(Date.now() < deadline, 'the workers pruned the finished job within 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});

forEachStore('retention: afterword prune', (suite) => {
  suite.test('the CLI prunes and reports what it deleted', async (ctx) => {
    if (ctx.dialect !== 'sqlite') return;
    const { app } = await closedAndProcessed(ctx, 'prune-cli');
    const dataDir = app.config.dataDir;
    await app.stop();
    const cli = join(packageRoot, 'build', 'src', 'cli', 'main.js');
    const at = new Date(Date.now() + 31 * day).toISOString();
    const result = spawnSync(process.execPath, [cli, '--data', dataDir, '--json', '--now', at, 'prune'], {
      encoding: 'utf8',
      env: { ...process.env, AFTERWORD_LOG_LEVEL: 'silent' },
    });
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { jobs: number; events: number };
    assert.ok(report.jobs >= 1 && report.events > 0, result.stdout);
  });
});
