import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { AfterwordError } from '../../src/errors.js';
import type { Summariser } from '../../src/domain/index.js';
import { DeterministicSummariser } from '../../src/domain/index.js';
import { toSummary } from '../../src/sessions/session-memory.js';
import type { SessionRecord } from '../../src/sessions/session-types.js';
import { forEachEngine } from '../support/engines.js';
import { demoWorld, eventually, sampleTurns, waitForEvent } from '../support/harness.js';

const fast = { engine: { backoffBaseMs: 1, backoffMaxMs: 5, pollIntervalMs: 20, heartbeatMs: 100, watchdogIntervalMs: 50 } };

forEachEngine('closure workflow', (suite) => {
  suite.test('runs the six steps in order, records result, history and reconciliation', async (ctx) => {
    const { app } = await ctx.app(fast, {});
    await app.world.importWorld(demoWorld());
    await app.sessions.upsert('run-1', { actTitles: { a1: 'The Pass' } });
    await app.sessions.appendTurns('run-1', sampleTurns);
    await app.sessions.appendChanges('run-1', [
      { kind: 'safety', safetyFlags: ['violence'], severity: 'high' },
      { kind: 'note' },
    ]);
    const { job } = await app.coordinator.closeSession('run-1');
    // Changes after closure are kept but not acknowledged by reconciliation (spec 9).
    await app.sessions.appendChanges('run-1', [{ kind: 'late' }]);
    const orchestrator = await app.startWorkers(2);
    await orchestrator.untilIdle();
    const timeline = await app.engine.timeline(job.jobId);
    assert.equal(timeline.job.status, 'completed');
    assert.deepEqual(
      timeline.steps.map((s) => s.step),
      ['sanitise', 'consolidate', 'extract', 'deltas', 'publish-prep', 'reconcile'],
    );
    const result = timeline.job.result as Record<string, any>;
    assert.equal(result.summaryVersion, 1);
    assert.ok(result.mentionCount >= 3, `mentions ${result.mentionCount}`);
    assert.ok(result.deltaCount >= 1);
    assert.ok(result.publishing.batchId);
    const summary = await app.sessions.summary('run-1');
    assert.equal(summary.pendingOfflineReconcile, false);
    assert.ok(summary.offlineReconciledAt);
    assert.equal(summary.lastAckCursor, 2);
    assert.equal(summary.changeCursor, 3);
    assert.equal(summary.offlineLastRun?.status, 'completed');
    assert.equal(summary.offlineLastRun?.summaryVersion, 1);
    // One cadence per session: the directory and publishing agree (spec 9).
    const schedule = await app.publishing.schedule('run-1');
    assert.equal(schedule.batches[0]?.scheduledAt, summary.publishing?.nextBatchAt);
    const story = (await app.artefacts.summary('run-1')) as Record<string, any>;
    assert.equal(story.actSummary[0].title, 'The Pass', 'act titles reach the summary (spec 9)');
    const notes = story.safetyNotes as Array<{ flags: string[]; severity: string }>;
    assert.ok(
      notes.some((n) => n.flags.includes('violence') && n.severity === 'high'),
      'safety events keep flags and severity (spec 9)',
    );
    // run() on a terminal job refuses instead of running it twice (spec 9).
    await assert.rejects(orchestrator.run(job.jobId), (e: AfterwordError) => e.code === 'job_terminal');
  });

  suite.test('a failing stage is retried with back-off, then fails for good; the session stays pending', async (ctx) => {
    let calls = 0;
    const flaky: Summariser = {
      summarise() {
        calls++;
        throw new Error('summariser unavailable');
      },
    };
    const { app } = await ctx.app({ ...fast, engine: { ...fast.engine, maxAttempts: 3 } }, { summariser: flaky });
    await app.sessions.upsert('fail-1', {});
    await app.sessions.appendTurns('fail-1', sampleTurns);
    const failed = waitForEvent(app, 'offline.sessionClosure.failed', (e) => e.sessionId === 'fail-1');
    const { job } = await app.coordinator.closeSession('fail-1');
    await app.startWorkers(1);
    const event = await failed;
    assert.equal(event.payload.attempts, 3);
    assert.equal(calls, 3);
    const stored = await app.engine.requireJob(job.jobId);
    assert.equal(stored.status, 'failed');
    assert.equal(stored.error?.code, 'attempts_exhausted');
    const timeline = await app.engine.timeline(job.jobId);
    assert.equal(timeline.attempts.length, 3);
    assert.deepEqual(
      timeline.steps.map((s) => s.step),
      ['sanitise'],
      'finished steps are checkpointed, not repeated',
    );
    const summary = await app.sessions.summary('fail-1');
    assert.equal(summary.pendingOfflineReconcile, true);
    assert.equal(summary.offlineLastRun?.status, 'failed');
    assert.equal(summary.lastOfflineWorkflowRun?.error?.message, 'summariser unavailable');
    const alerts = await app.alerts.list({ sessionId: 'fail-1' });
    const final = alerts.find((a) => a.reason === 'offline.workflow_failed');
    assert.equal(final?.severity, 'critical');
    // An operator retry is recorded and runs the job again.
    const retried = await app.engine.retry(job.jobId, 'ops');
    assert.equal(retried.status, 'queued');
    await eventually(
      async () => ((await app.engine.requireJob(job.jobId)).status === 'failed' && calls === 6 ? true : undefined),
      10_000,
      'second failure',
    );
  });

  suite.test('the configured LLM summariser: a slow endpoint falls back, on the summary and as an event', async (ctx) => {
    // A real chat-completions endpoint that answers too late.
    const slow = createServer((_req, res) => {
      setTimeout(() => res.end('{}'), 10_000).unref();
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/v1`;
      const { app } = await ctx.app(
        { ...fast, pipeline: { summariser: 'llm', summariserTimeoutMs: 300, heartbeatMs: 20, llm: { url, model: 'slow' } } },
        {},
      );
      await app.sessions.upsert('llm-1', {});
      await app.sessions.appendTurns('llm-1', sampleTurns);
      const fellBack = waitForEvent(app, 'telemetry.storyConsolidation.fallback', (e) => e.sessionId === 'llm-1');
      const { job } = await app.coordinator.closeSession('llm-1');
      const orchestrator = await app.startWorkers(1);
      const event = await fellBack;
      assert.equal(event.payload.reason, 'timeout');
      assert.equal(event.payload.from, 'llm');
      await orchestrator.untilIdle();
      assert.equal((await app.engine.requireJob(job.jobId)).status, 'completed');
      const story = (await app.artefacts.summary('llm-1')) as Record<string, any>;
      assert.equal(story.generator.summariser, 'deterministic');
      assert.equal(story.generator.fallback.reason, 'timeout');
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  });

  suite.test(
    "an external NER service (tagger 'http') names what the rules cannot; a slow one falls back, as an event",
    async (ctx) => {
      // A real NER endpoint: it knows "the tidewrights" (lower case, which the rules leave alone)
      // until `slow` is set, then it stops answering.
      let slow = false;
      const ner = createServer((req, res) => {
        let raw = '';
        req.on('data', (c) => {
          raw += c;
        });
        req.on('end', () => {
          if (slow) return;
          const turns = (JSON.parse(raw).turns as Array<{ id: string; text: string }>).map((t) => {
            const at = t.text.indexOf('the tidewrights');
            return { id: t.id, entities: at < 0 ? [] : [{ name: 'Tidewrights', type: 'NORP', span: [at + 4, at + 15] }] };
          });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ turns }));
        });
      });
      await new Promise<void>((r) => ner.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(ner.address() as AddressInfo).port}/ner`;
        const { app } = await ctx.app(
          { ...fast, pipeline: { tagger: 'http', heartbeatMs: 20, ner: { url, timeoutMs: 400 } } },
          {},
        );
        await app.world.importWorld(demoWorld());
        const turns = [{ turnId: 'n1', speaker: 'gm', text: 'At dawn the tidewrights seized Harrowgate from its wardens.' }];
        await app.sessions.upsert('ner-1', {});
        await app.sessions.appendTurns('ner-1', turns);
        const extracted = waitForEvent(app, 'telemetry.extraction.completed', (e) => e.sessionId === 'ner-1');
        const { job } = await app.coordinator.closeSession('ner-1');
        const orchestrator = await app.startWorkers(1);
        const event = await extracted;
        const report = event.payload.recogniser as { turnsAnnotated: number; fallback: unknown };
        assert.equal(report.turnsAnnotated, 1);
        assert.equal(report.fallback, null);
        await orchestrator.untilIdle();
        const timeline = await app.engine.timeline(job.jobId);
        const extract = timeline.steps.find((s) => s.step === 'extract')?.output as Record<string, any>;
        const named = extract.candidates.find((c: { name: string }) => c.name === 'Tidewrights');
        assert.ok(named, `a candidate from the NER service: ${JSON.stringify(extract.candidates)}`);
        assert.equal(named.annotated, true);
        assert.equal(named.entityType, 'faction');

        slow = true;
        await app.sessions.upsert('ner-2', {});
        await app.sessions.appendTurns('ner-2', turns);
        const fellBack = waitForEvent(app, 'telemetry.extraction.fallback', (e) => e.sessionId === 'ner-2');
        const second = await app.coordinator.closeSession('ner-2');
        const fallback = await fellBack;
        assert.equal(fallback.payload.reason, 'timeout');
        assert.equal(fallback.payload.from, 'http');
        await orchestrator.untilIdle();
        assert.equal((await app.engine.requireJob(second.job.jobId)).status, 'completed');
        const output = (await app.engine.timeline(second.job.jobId)).steps.find((s) => s.step === 'extract')?.output as Record<
          string,
          any
        >;
        assert.equal(output.recogniser.fallback.reason, 'timeout');
        assert.ok(!output.candidates.some((c: { name: string }) => c.name === 'Tidewrights'), 'the rules alone do not name it');
      } finally {
        ner.closeAllConnections();
        ner.close();
      }
    },
  );

  suite.test('an error retrying cannot fix fails at once', async (ctx) => {
    const bad: Summariser = {
      summarise() {
        throw new AfterwordError('invalid_input', 'transcript unusable', { retryable: false });
      },
    };
    const { app } = await ctx.app(fast, { summariser: bad });
    await app.sessions.upsert('fatal-1', {});
    const failed = waitForEvent(app, 'offline.sessionClosure.failed', (e) => e.sessionId === 'fatal-1');
    const { job } = await app.coordinator.closeSession('fatal-1');
    await app.startWorkers(1);
    await failed;
    const stored = await app.engine.requireJob(job.jobId);
    assert.equal(stored.attempts, 1);
    assert.equal(stored.error?.code, 'invalid_input');
  });

  suite.test('the watchdog alerts on a job still queued past its SLA', async (ctx, t) => {
    if (ctx.engine === 'temporal') {
      t.skip('a Temporal worker takes every workflow of its task queue; the running case below covers its SLA timer');
      return;
    }
    const { app } = await ctx.app({ ...fast, closure: { slaMs: 1 } }, {});
    await app.sessions.upsert('late-1', {});
    const alert = waitForEvent(app, 'admin.alert', (e) => e.payload.reason === 'offline.workflow_sla_exceeded');
    // A worker for another workflow only: the closure job stays queued, and late.
    await app.coordinator.closeSession('late-1');
    const workers = await app.engine.startWorkers({ concurrency: 1, workflows: ['publishing.digest'] });
    const event = await alert;
    assert.equal(event.sessionId, 'late-1');
    assert.equal(event.payload.severity, 'medium');
    assert.equal((await app.engine.listJobs({ concurrencyKey: 'late-1', limit: 1 }))[0]?.status, 'queued');
    await workers.stop();
  });

  suite.test('the SLA watchdog alerts on a job still running past its SLA, once', async (ctx) => {
    // The summariser fails until released: the job stays unfinished (running, retrying) and late.
    let failing = true;
    const flaky: Summariser = {
      summarise(input, opts) {
        if (failing) throw new Error('summariser busy');
        return new DeterministicSummariser().summarise(input, opts);
      },
    };
    const { app } = await ctx.app(
      { ...fast, engine: { ...fast.engine, maxAttempts: 100, backoffBaseMs: 50, backoffMaxMs: 50 }, closure: { slaMs: 300 } },
      { summariser: flaky },
    );
    await app.sessions.upsert('late-2', {});
    await app.sessions.appendTurns('late-2', sampleTurns);
    const alert = waitForEvent(app, 'admin.alert', (e) => e.payload.reason === 'offline.workflow_sla_exceeded');
    const { job } = await app.coordinator.closeSession('late-2');
    const orchestrator = await app.startWorkers(1);
    const event = await alert;
    assert.equal(event.sessionId, 'late-2');
    const status = (await app.engine.requireJob(job.jobId)).status;
    assert.ok(['queued', 'retrying', 'processing'].includes(status), `alerted while still late (${status})`);
    failing = false;
    // Idle means nothing due now: a retrying job waits for its back-off, so wait for the completion.
    await eventually(async () => ((await app.engine.requireJob(job.jobId)).status === 'completed' ? true : undefined));
    await orchestrator.untilIdle();
    const alerts = await app.alerts.list({ sessionId: 'late-2' });
    assert.equal(alerts.filter((a) => a.reason === 'offline.workflow_sla_exceeded').length, 1, 'one alert per breach');
  });

  suite.test('history retention is configurable and reported, never a silent cap', async (ctx) => {
    const { app } = await ctx.app({ ...fast, closure: { historyRetention: 2 } }, { summariser: new DeterministicSummariser() });
    await app.sessions.upsert('hist-1', {});
    await app.coordinator.closeSession('hist-1');
    const orchestrator = await app.startWorkers(1);
    await orchestrator.untilIdle();
    for (let i = 0; i < 3; i++) {
      await app.coordinator.rerun('hist-1', 'ops');
      await orchestrator.untilIdle();
    }
    const history = await app.sessions.history('hist-1', { limit: 10 });
    assert.equal(history.total, 2);
    assert.equal(history.items.length, 2);
    assert.ok(history.items.every((r) => r.trigger === 'manual'));
    const versions = await app.store.driver.query<{ n: number }>(
      'SELECT COUNT(*) AS n FROM story_summaries WHERE session_id = ?',
      ['hist-1'],
    );
    assert.equal(Number(versions[0]?.n), 4, 'each run writes its own summary version');
  });
});

test('a history duration of 0 stays 0 (spec 9)', () => {
  const session = {
    sessionId: 's',
    status: 'closed',
    pendingOfflineReconcile: false,
    cadence: null,
  } as unknown as SessionRecord;
  const summary = toSummary(
    session,
    {
      jobId: 'j',
      sessionId: 's',
      auditRef: 'a',
      trigger: 'manual',
      status: 'completed',
      startedAt: 1,
      completedAt: 1,
      durationMs: 0,
      attempts: 1,
      summaryVersion: 1,
      mentionCount: 0,
      deltaCount: 0,
      publishingBatchId: null,
      publishingStatus: null,
      moderation: null,
      error: null,
    },
    1,
  );
  assert.equal(summary.offlineLastRun?.durationMs, 0);
});
