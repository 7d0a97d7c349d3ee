import assert from 'node:assert/strict';
import { decisionsFor, insertDecision, insertDeltas } from '../../src/canon/delta-store.js';
import { batchOfJob, insertBatch } from '../../src/canon/publishing-store.js';
import type { PublishingPlan, WorldDelta } from '../../src/domain/index.js';
import { closureAlerts } from '../../src/workflow/closure-topics.js';
import { jobCauses } from '../../src/workflow/moderation-causes.js';
import { AdjustableClock, demoWorld, eventually, forEachStore, type StoreContext, waitForEvent } from '../support/harness.js';
import { batchTime, fast, processedClosure } from './processed-closure.js';

/** A delta needing review (or not), as the closure would store it. */
function delta(id: string, sessionId: string, entityId: string, createdAt: number, review = true): WorldDelta {
  return {
    deltaId: id,
    sessionId,
    entityId,
    entityType: 'settlement',
    canonicalName: entityId,
    deltaType: 'state-change',
    before: { status: 'stable' },
    after: { status: 'devastated' },
    proposedChanges: [{ kind: 'status', field: 'status', to: 'devastated', cue: 'ravaged' }],
    capabilityRefs: [],
    confidence: review ? 0.55 : 0.95,
    confidenceTier: review ? 'low' : 'high',
    source: [{ mentionId: `${id}-m`, turnId: 't1', sceneId: null, sentenceIndex: 0, confidence: 0.55, sentence: 'x' }],
    safety: { requiresModeration: review, reasons: review ? ['low_confidence'] : [], conflicts: [] },
    status: review ? 'needs-review' : 'pending',
    createdAt,
  };
}

function plan(batchId: string, sessionId: string, blocking: string[], scheduledAt: number): PublishingPlan {
  return {
    batchId,
    sessionId,
    summaryVersion: 1,
    scheduledAt,
    status: blocking.length ? 'awaiting_moderation' : 'ready',
    blockingDeltaIds: blocking,
    moderation: { required: blocking.length, pending: blocking.length, decided: 0 },
    bundles: [],
    cards: [],
    overlays: [],
    searchJobs: [],
    preparedAt: scheduledAt,
    publishAt: scheduledAt,
    expiresAt: scheduledAt,
  };
}

/** Closures of several sessions, one gm line each, processed in order by one worker. */
async function closeSessions(ctx: StoreContext, lines: Record<string, string[]>, overrides = {}) {
  const clock = new AdjustableClock();
  const { app } = await ctx.app({ ...fast, ...overrides }, { clock });
  await app.world.importWorld(demoWorld());
  const workers = await app.startWorkers(1);
  for (const [sessionId, texts] of Object.entries(lines)) {
    await app.sessions.upsert(sessionId, {});
    await app.sessions.appendTurns(
      sessionId,
      texts.map((text, i) => ({ turnId: `t${i + 1}`, speaker: 'gm', text })),
    );
    await app.coordinator.closeSession(sessionId);
    await workers.untilIdle();
  }
  return { app, clock, workers };
}

forEachStore('moderation at scale: no caps, bulk decisions, alert lifecycle', (suite) => {
  suite.test('a decision releases the oldest of more than 200 batches (the gate reads its batch by job in SQL)', async (ctx) => {
    const { app } = await ctx.app(fast);
    const base = 1_000_000;
    await app.store.transact(async (tx) => {
      for (let i = 0; i < 205; i++) {
        const d = delta(`d-${i}`, `s-${i}`, 'settlement.harrowgate', base + i);
        await insertDeltas(tx, [d], `job-${i}`, base + i);
        await insertBatch(tx, plan(`b-${i}`, `s-${i}`, [d.deltaId], base + i), `job-${i}`, base + i);
      }
    });
    const out = await app.moderation.decide('d-0', { decision: 'approve', actor: 'mod' });
    assert.equal(out.batch?.batchId, 'b-0');
    assert.equal(out.batch?.status, 'ready');
    assert.equal((await batchOfJob(app.store.driver, 'job-0'))?.status, 'ready');
  });

  suite.test('the gate of a batch with more than 500 deltas reads them all (no silent cap)', async (ctx) => {
    const { app } = await ctx.app(fast);
    const n = 520;
    const deltas = Array.from({ length: n }, (_, i) =>
      delta(`big-${String(i).padStart(4, '0')}`, 'big', `region.r${i}`, 1000 + i),
    );
    await app.store.transact(async (tx) => {
      await insertDeltas(tx, deltas, 'job-big', 1000);
      await insertBatch(
        tx,
        plan(
          'b-big',
          'big',
          deltas.map((d) => d.deltaId),
          5000,
        ),
        'job-big',
        1000,
      );
      // Every delta but the OLDEST decided (it sorts last, past a 500-row read).
      for (const d of deltas.slice(2))
        await insertDecision(tx, `dec-${d.deltaId}`, { deltaId: d.deltaId, decision: 'approve', actor: 'mod', decidedAt: 2000 });
    });
    const out = await app.moderation.decide('big-0001', { decision: 'approve', actor: 'mod' });
    assert.equal(out.batch?.status, 'awaiting_moderation', 'big-0000 is still undecided');
    assert.deepEqual(out.batch?.plan.blockingDeltaIds, ['big-0000']);
    assert.equal(out.batch?.plan.moderation.required, n);
    assert.equal((await app.moderation.list({ sessionId: 'big' })).length, n, 'the list of a session is not capped either');
  });

  suite.test('GET-style pages: deltas come in cursor pages that cover every row once', async (ctx) => {
    const { app } = await ctx.app(fast);
    await app.store.transact(async (tx) => {
      await insertDeltas(
        tx,
        Array.from({ length: 23 }, (_, i) => delta(`p-${i}`, 'pages', `region.p${i}`, 7000 + (i % 5))),
        'job-pages',
        7000,
      );
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const page = await app.moderation.page({ sessionId: 'pages', limit: 5, cursor });
      seen.push(...page.items.map((d) => d.deltaId));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    assert.equal(seen.length, 23);
    assert.equal(new Set(seen).size, 23);
    await assert.rejects(app.moderation.page({ cursor: 'not-a-cursor' }), (e: { code?: string }) => e.code === 'invalid_input');
  });

  suite.test(
    'a bulk decision previews its count, decides every match with one audit row each, and opens the gates',
    async (ctx) => {
      const { app } = await closeSessions(ctx, {
        'bulk-1': ['The Iron Tithe seized the Kyther Range from the Thalric Order.'],
        'bulk-2': ['The Veiled Court seized the Sunder Gap from the Thalric Order.'],
      });
      const waiting = (await app.moderation.list({ status: 'needs-review' })).filter((d) => d.sessionId.startsWith('bulk-'));
      assert.ok(waiting.length >= 2);
      const preview = await app.moderation.bulk({
        decision: 'approve',
        filter: { sessionId: 'bulk-1' },
        dryRun: true,
        actor: 'mod',
      });
      assert.equal(preview.matched, waiting.filter((d) => d.sessionId === 'bulk-1').length);
      assert.equal(preview.decided, 0);
      assert.equal(
        (await app.moderation.list({ status: 'needs-review', sessionId: 'bulk-1' })).length,
        preview.matched,
        'a dry run writes nothing',
      );
      const done = await app.moderation.bulk({ decision: 'approve', filter: {}, actor: 'moderator:mo', note: 'looks right' });
      assert.equal(done.decided, waiting.length);
      const decisions = await decisionsFor(
        app.store.driver,
        waiting.map((d) => d.deltaId),
      );
      assert.equal(decisions.length, waiting.length, 'one audit record per delta');
      assert.ok(decisions.every((d) => d.via === `bulk:${done.bulkId}` && d.actor === 'moderator:mo'));
      for (const sessionId of ['bulk-1', 'bulk-2']) {
        const [batch] = await app.publishing.batches({ sessionId });
        assert.equal(batch?.status, 'ready', `${sessionId}'s batch is released`);
      }
      const open = await app.alerts.list({ state: 'unresolved', reason: 'world_delta_requires_moderation' });
      assert.deepEqual(open, [], 'the moderation alerts resolved with their cause');
      await assert.rejects(
        app.moderation.bulk({ decision: 'approve', filter: { reason: 'nonsense' }, actor: 'mod' }),
        (e: { code?: string; issues?: Array<{ field: string }> }) =>
          e.code === 'invalid_input' && e.issues?.[0]?.field === 'filter.reason',
      );
    },
  );

  suite.test('alerts: one per batch held for review, resolved when decided; publishing resolves nothing twice', async (ctx) => {
    const { app, clock } = await processedClosure(ctx, 'alert-1', [
      'The Iron Tithe seized the Kyther Range from the Thalric Order.',
      'The Veiled Court seized the Sunder Gap from the Thalric Order.',
    ]);
    const review = (await app.moderation.list({ sessionId: 'alert-1' })).filter((d) => d.status === 'needs-review');
    assert.equal(review.length, 2);
    let alerts = await app.alerts.list({ sessionId: 'alert-1', reason: 'world_delta_requires_moderation' });
    assert.equal(alerts.length, 1, 'one alert for the batch, not one per delta');
    assert.equal(alerts[0]?.resolvedAt, null);
    await app.moderation.decide(review[0]?.deltaId ?? '', { decision: 'approve', actor: 'mod' });
    alerts = await app.alerts.list({ sessionId: 'alert-1', state: 'open' });
    assert.equal(alerts.length, 1, 'still open while a delta waits');
    await app.moderation.decide(review[1]?.deltaId ?? '', { decision: 'reject', actor: 'mod' });
    assert.deepEqual(await app.alerts.list({ sessionId: 'alert-1', state: 'open' }), []);
    const [resolved] = await app.alerts.list({ sessionId: 'alert-1', state: 'resolved' });
    assert.equal(resolved?.resolution, 'batch_ready');
    clock.advance(batchTime);
    await eventually(async () =>
      (await app.publishing.batches({ sessionId: 'alert-1' }))[0]?.status === 'published' ? true : undefined,
    );
    assert.equal((await app.alerts.list({ sessionId: 'alert-1', state: 'resolved' })).length, 1);
  });

  suite.test('a hedged claim always needs review (reason hedged), whatever its confidence', async (ctx) => {
    const { app, batch } = await processedClosure(ctx, 'hedge-1', ['Rumours say Harrowgate was ravaged by the storm.']);
    const [d] = await app.moderation.list({ sessionId: 'hedge-1' });
    assert.ok(d, 'the claim is proposed');
    assert.ok(d.safety.reasons.includes('hedged'), `reasons: ${d.safety.reasons.join(',')}`);
    assert.equal(d.status, 'needs-review');
    assert.equal(batch?.status, 'awaiting_moderation', 'the rumour cannot reach canon unreviewed');
  });

  suite.test('a prohibited capability named where no entity is becomes a moderation item with an alert', async (ctx) => {
    const { app, batch } = await processedClosure(ctx, 'cap-1', ['A stranger turned back time.']);
    const deltas = await app.moderation.list({ sessionId: 'cap-1' });
    const item = deltas.find((d) => d.safety.reasons.includes('unattached_capability'));
    assert.ok(item, `deltas: ${JSON.stringify(deltas.map((d) => d.entityId))}`);
    assert.equal(item.entityId, 'capability.time-travel');
    assert.equal(item.status, 'needs-review');
    assert.equal(item.source[0]?.sentence, 'A stranger turned back time.');
    assert.equal(batch?.status, 'awaiting_moderation', 'not ready');
    const [alert] = await app.alerts.list({ sessionId: 'cap-1', reason: 'world_capability_unattached' });
    assert.ok(alert);
    await app.moderation.decide(item.deltaId, { decision: 'reject', actor: 'mod' });
    assert.deepEqual(await app.alerts.list({ sessionId: 'cap-1', state: 'unresolved' }), []);
  });

  suite.test('a delta contested by several sessions lists its conflicts once per entity, not once per session', async (ctx) => {
    const { app } = await closeSessions(ctx, {
      'con-1': ['The Iron Tithe seized the Kyther Range.'],
      'con-2': ['The Veiled Court seized the Kyther Range.'],
      'con-3': ['The Saltmarch Corsairs seized the Kyther Range.'],
    });
    const [third] = (await app.moderation.list({ sessionId: 'con-3' })).filter((d) => d.entityId === 'region.kyther-range');
    assert.ok(third);
    const pending = third.safety.conflicts.filter((c) => c.type === 'pending_delta_conflict');
    assert.equal(pending.length, 1, JSON.stringify(third.safety.conflicts));
    assert.equal((pending[0] as { conflictingDeltaIds?: string[] }).conflictingDeltaIds?.length, 2);
    assert.equal((pending[0] as { sessions?: number }).sessions, 2);

    const { items } = await app.moderation.contested();
    const kyther = items.find((i) => i.entityId === 'region.kyther-range');
    assert.ok(kyther, 'one moderation item for the entity');
    assert.equal(kyther.proposals.length, 3);
    assert.equal(kyther.sessions, 3);
    assert.ok(kyther.proposals.every((p) => p.evidence.length > 0));
    const counts = await app.moderation.counts();
    assert.ok(counts.items < counts.deltas, `grouped: ${JSON.stringify(counts)}`);

    const chosen = kyther.proposals.find((p) => p.sessionId === 'con-2');
    const out = await app.moderation.decideContested('region.kyther-range', {
      action: 'pick',
      deltaId: chosen?.deltaId,
      actor: 'mod',
    });
    assert.equal(out.kept?.sessionId, 'con-2');
    assert.equal(out.rejected.length, 2);
    const after = await app.moderation.list({ entityId: 'region.kyther-range' });
    assert.deepEqual(after.map((d) => [d.sessionId, d.status]).sort(), [
      ['con-1', 'rejected'],
      ['con-2', 'approved'],
      ['con-3', 'rejected'],
    ]);
    assert.equal((await app.moderation.contested()).items.length, 0, 'decided once, no longer contested');
  });

  suite.test(
    'escalation times raise the alert in severity and re-send it; at the window close undecided deltas are carried',
    async (ctx) => {
      const { app, clock } = await processedClosure(ctx, 'esc-1', [
        'The Iron Tithe seized the Kyther Range from the Thalric Order.',
        'Harrowgate was ravaged by the storm.',
      ]);
      const [first] = await app.alerts.list({ sessionId: 'esc-1', reason: 'world_delta_requires_moderation' });
      assert.equal(first?.severity, 'medium');
      clock.advance(31 * 60_000);
      await eventually(async () => {
        const [a] = await app.alerts.list({ sessionId: 'esc-1', reason: 'world_delta_requires_moderation' });
        return a?.severity === 'high' ? a : undefined;
      });
      clock.advance(10 * 60_000);
      const escalated = await eventually(async () => {
        const [a] = await app.alerts.list({ sessionId: 'esc-1', reason: 'world_delta_requires_moderation' });
        return a?.severity === 'critical' ? a : undefined;
      });
      assert.equal(escalated.escalationLevel, 2);
      // The window closes at +60 min with the control change undecided: what is decided publishes.
      clock.advance(20 * 60_000);
      const batches = await eventually(async () => {
        const all = await app.publishing.batches({ sessionId: 'esc-1' });
        return all.length === 2 && all.some((b) => b.status === 'published') ? all : undefined;
      });
      const carry = batches.find((b) => b.carriedFrom !== null);
      assert.equal(carry?.status, 'awaiting_moderation');
      assert.equal(
        (await app.world.entity('settlement.harrowgate')).state.status,
        'devastated',
        'the undisputed change published',
      );
      assert.notEqual(
        (await app.world.entity('region.kyther-range')).state.controlledBy,
        'faction.iron-tithe',
        'not the undecided one',
      );
      const open = await app.alerts.list({ sessionId: 'esc-1', state: 'open' });
      assert.deepEqual(
        open.map((a) => a.reason),
        ['publish.batch_carried'],
        'only the live cause is alerted',
      );
      const [waiting] = (await app.moderation.list({ sessionId: 'esc-1' })).filter((d) => d.status === 'needs-review');
      await app.moderation.decide(waiting?.deltaId ?? '', { decision: 'approve', actor: 'mod' });
      await eventually(async () =>
        (await app.world.entity('region.kyther-range')).state.controlledBy === 'faction.iron-tithe' ? true : undefined,
      );
      assert.deepEqual(await app.alerts.list({ sessionId: 'esc-1', state: 'unresolved' }), []);
    },
  );

  suite.test('an alert is deduplicated per cause, and a completed job resolves its failure alerts', async (ctx) => {
    const { app, job } = await processedClosure(ctx, 'dedup-1', ['Harrowgate was ravaged by the storm.']);
    const cause = jobCauses(job.jobId).attempt;
    const raise = () =>
      app.store.transact((tx) =>
        closureAlerts.raise(tx, 'offline.workflow_attempt_failed', { sessionId: 'dedup-1', jobId: job.jobId, causeKey: cause }),
      );
    const first = await raise();
    const second = await raise();
    assert.equal(second.id, first.id, 'raising a live cause again is the same alert');
    assert.equal((await app.alerts.list({ sessionId: 'dedup-1', reason: 'offline.workflow_attempt_failed' })).length, 1);
    // The job runs again and completes: the cause is gone, so is the alert.
    const completed = waitForEvent(app, 'offline.sessionClosure.completed', (e) => e.jobId === job.jobId);
    await app.engine.rerunFrom(job.jobId, 'reconcile', 'ops');
    await completed;
    const [resolved] = await app.alerts.list({ sessionId: 'dedup-1', reason: 'offline.workflow_attempt_failed' });
    assert.equal(resolved?.resolution, 'job_completed');
    const third = await raise();
    assert.notEqual(third.id, first.id, 'a cause that comes back is a new alert');
  });
});
