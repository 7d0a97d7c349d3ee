import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auth, type Harness, sampleTurns, startHarness, waitFor } from './harness.js';
import { demoSession, demoWorld } from './seed.js';

describe('HTTP operations: jobs, world, moderation, alerts, publishing, lore, probes', () => {
  let h: Harness;
  let jobId: string;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());
  const req = (method: string, url: string, payload?: unknown, who: 'admin' | 'viewer' | 'gm' = 'admin') =>
    h.server.inject({
      method: method as 'GET',
      url,
      headers: auth(who),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  test('world import refuses a bad file naming the entry, then accepts the demo world', async () => {
    const bad = await req('POST', '/v1/world/import', { worldId: 'w', entities: [{ entityId: 'x' }] });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'invalid_world_file');
    assert.ok(bad.json().error.issues.length > 0);
    const ok = await req('POST', '/v1/world/import', await demoWorld());
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().entities, 34);
    const entities = await req('GET', '/v1/world/entities', undefined, 'viewer');
    assert.equal(entities.json().items.length, 34);
    const one = await req('GET', '/v1/world/entities/faction.thalric-order');
    assert.equal(one.json().canonicalName, 'Thalric Order');
    assert.equal((await req('GET', '/v1/world/entities/nope')).statusCode, 404);
  });

  test('a demo session closes and its job shows a full step timeline', async () => {
    const s = await demoSession('ops-1', 3);
    await req('PUT', '/v1/sessions/ops-1', { context: s.context });
    await req('POST', '/v1/sessions/ops-1/turns', { turns: s.turns });
    jobId = (await req('POST', '/v1/sessions/ops-1/close')).json().closureJob.jobId;
    const timeline = await waitFor(async () => {
      const r = (await req('GET', `/v1/jobs/${jobId}`)).json();
      return r.job.status === 'completed' ? r : null;
    }, 'closure job');
    assert.deepEqual(
      timeline.steps.map((s: { step: string }) => s.step),
      ['sanitise', 'consolidate', 'extract', 'deltas', 'publish-prep', 'reconcile'],
    );
    assert.deepEqual(timeline.pendingSteps, []);
    assert.equal(timeline.attempts.length, 1);
    assert.equal((await req('GET', '/v1/jobs/missing-job')).statusCode, 404);
  });

  test('jobs list filters and paginates with a cursor', async () => {
    for (let i = 0; i < 3; i++) {
      await req('PUT', `/v1/sessions/ops-page-${i}`, {});
      await req('POST', `/v1/sessions/ops-page-${i}/turns`, { turns: sampleTurns(2) });
      await req('POST', `/v1/sessions/ops-page-${i}/close`);
    }
    const closures = await req('GET', '/v1/jobs?workflow=session.closure&limit=2');
    assert.equal(closures.json().items.length, 2);
    const next = await req('GET', `/v1/jobs?workflow=session.closure&limit=2&cursor=${closures.json().nextCursor}`);
    assert.equal(next.json().items.length, 2);
    const seen = [...closures.json().items, ...next.json().items].map((j: { jobId: string }) => j.jobId);
    assert.equal(new Set(seen).size, 4);
    const bySession = await req('GET', '/v1/jobs?sessionId=ops-1');
    assert.deepEqual(
      bySession.json().items.map((j: { jobId: string }) => j.jobId),
      [jobId],
    );
    assert.equal((await req('GET', '/v1/jobs?status=nonsense')).statusCode, 400);
    assert.equal((await req('GET', '/v1/jobs?cursor=!!!')).statusCode, 400);
    const counts = await req('GET', '/v1/jobs/counts', undefined, 'viewer');
    assert.equal(typeof counts.json().completed, 'number');
  });

  test('retry refuses a completed job; cancel refuses a finished one', async () => {
    const retry = await req('POST', `/v1/jobs/${jobId}/retry`);
    assert.equal(retry.statusCode, 409);
    assert.equal(retry.json().error.code, 'job_not_retryable');
    const cancel = await req('POST', `/v1/jobs/${jobId}/cancel`);
    assert.equal(cancel.statusCode, 409);
    assert.equal(cancel.json().error.code, 'job_not_cancellable');
  });

  test('cancel then retry a queued job (workers stopped)', async () => {
    await h.app.orchestrator?.stop();
    h.app.orchestrator = null;
    await req('PUT', '/v1/sessions/ops-cancel', {});
    await req('POST', '/v1/sessions/ops-cancel/turns', { turns: sampleTurns(2) });
    const id = (await req('POST', '/v1/sessions/ops-cancel/close')).json().closureJob.jobId;
    const cancelled = await req('POST', `/v1/jobs/${id}/cancel`);
    assert.equal(cancelled.statusCode, 200);
    assert.equal(cancelled.json().job.status, 'cancelled');
    const retried = await req('POST', `/v1/jobs/${id}/retry`);
    assert.equal(retried.statusCode, 200);
    assert.equal(retried.json().job.status, 'queued');
    await h.app.startWorkers(2);
    await waitFor(async () => (await req('GET', `/v1/jobs/${id}`)).json().job.status === 'completed', 'retried job');
  });

  test('deltas: list, decide, refuse a bad decision, moderation queue', async () => {
    const list = await req('GET', '/v1/deltas?sessionId=ops-1', undefined, 'viewer');
    const review = list.json().items.find((d: { status: string }) => d.status === 'needs-review');
    assert.ok(review, 'the demo session proposes deltas that need review');
    const bad = await req('POST', `/v1/deltas/${review.deltaId}/decision`, { decision: 'maybe' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.issues[0].field, 'decision');
    assert.match(bad.json().error.issues[0].reason, /approve, reject, rewrite, escalate/);
    const approved = await req('POST', `/v1/deltas/${review.deltaId}/decision`, { decision: 'approve', note: 'fits canon' });
    assert.equal(approved.statusCode, 200);
    assert.equal(approved.json().delta.status, 'approved');
    assert.equal(approved.json().decision.actor, 'admin:root');
    const escalated = await req(
      'POST',
      `/v1/deltas/${list.json().items.find((d: { status: string; deltaId: string }) => d.status === 'needs-review' && d.deltaId !== review.deltaId).deltaId}/decision`,
      { decision: 'escalate', note: 'ask lore lead' },
    );
    assert.equal(escalated.statusCode, 200);
    assert.equal((await req('POST', '/v1/deltas/nope/decision', { decision: 'approve' })).statusCode, 404);
    const queue = await req('GET', '/v1/sessions/ops-1/moderation', undefined, 'viewer');
    assert.equal(queue.statusCode, 200);
    assert.ok(Array.isArray(queue.json().items));
  });

  test('alerts: list open ones and acknowledge', async () => {
    const open = await req('GET', '/v1/alerts?open=true', undefined, 'viewer');
    assert.ok(open.json().items.length > 0);
    const alert = open.json().items[0];
    assert.equal(alert.topic, 'admin.alert');
    const ack = await req('POST', `/v1/alerts/${alert.id}/acknowledge`);
    assert.equal(ack.statusCode, 200);
    assert.equal(ack.json().acknowledgedBy, 'admin:root');
    const after = await req('GET', '/v1/alerts?open=true');
    assert.ok(!after.json().items.some((a: { id: string }) => a.id === alert.id));
    assert.equal((await req('POST', '/v1/alerts/nope/acknowledge')).statusCode, 404);
  });

  test('publishing: batches, schedule, override within and beyond the limit', async () => {
    const batches = await req('GET', '/v1/publishing/batches?sessionId=ops-1', undefined, 'viewer');
    assert.equal(batches.json().items.length, 1);
    const schedule = await req('GET', '/v1/sessions/ops-1/publishing');
    assert.equal(schedule.json().sessionId, 'ops-1');
    // Instants are ISO 8601 UTC strings in every answer; requests take ISO or epoch ms.
    const plannedIso = schedule.json().cadence.nextBatchAt as string;
    assert.match(plannedIso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const planned = Date.parse(plannedIso);
    const moved = await req('POST', '/v1/sessions/ops-1/publishing/override', {
      batchAt: planned + 60_000,
      reason: 'editor busy',
    });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal(moved.json().cadence.nextBatchAt, new Date(planned + 60_000).toISOString());
    const iso = await req('POST', '/v1/sessions/ops-1/publishing/override', {
      batchAt: new Date(planned + 120_000).toISOString(),
    });
    assert.equal(iso.statusCode, 200, iso.body);
    assert.equal(iso.json().cadence.nextBatchAt, new Date(planned + 120_000).toISOString());
    const tooFar = await req('POST', '/v1/sessions/ops-1/publishing/override', { batchAt: planned + 100 * 3_600_000 });
    assert.equal(tooFar.statusCode, 400);
    assert.equal(tooFar.json().error.code, 'override_exceeds_limit');
    const notADate = await req('POST', '/v1/sessions/ops-1/publishing/override', { batchAt: 'tomorrow' });
    assert.equal(notADate.statusCode, 400);
    assert.equal(notADate.json().error.issues[0].field, 'batchAt');
    assert.equal((await req('GET', '/v1/publishing/batches?status=bogus')).statusCode, 400);
  });

  test('lore search is anonymous and validates q', async () => {
    const hits = await h.server.inject({ url: '/v1/lore/search?q=harbour' });
    assert.equal(hits.statusCode, 200);
    assert.ok(Array.isArray(hits.json().items));
    const missing = await h.server.inject({ url: '/v1/lore/search' });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json().error.issues[0], { field: 'query.q', reason: 'is required' });
    assert.equal((await h.server.inject({ method: 'POST', url: '/v1/lore/search?q=x', payload: {} })).statusCode, 404);
  });

  test('probes, metrics, OpenAPI and docs', async () => {
    assert.deepEqual((await h.server.inject({ url: '/healthz' })).json(), { status: 'ok' });
    const ready = await h.server.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().ready, true);
    assert.equal(ready.json().migrationsApplied, true);
    const metrics = await req('GET', '/metrics', undefined, 'viewer');
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.headers['content-type'] as string, /text\/plain/);
    assert.match(metrics.body, /afterword_http_request_duration_seconds_bucket\{.*route="\/v1\/sessions\/:sessionId\/close"/);
    assert.match(metrics.body, /afterword_job_duration_seconds/);
    const spec = await h.server.inject({ url: '/openapi.json' });
    assert.equal(spec.statusCode, 200);
    const paths = spec.json().paths as Record<string, unknown>;
    for (const p of [
      '/v1/sessions/{sessionId}',
      '/v1/sessions/{sessionId}/close',
      '/v1/events',
      '/v1/jobs/{jobId}',
      '/v1/lore/search',
    ])
      assert.ok(paths[p], p);
    const docs = await h.server.inject({ url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /swagger/i);
    assert.doesNotMatch(docs.body, /https?:\/\/(cdn|unpkg)/);
  });

  test('readiness is 503 when workers are stopped', async () => {
    await h.app.orchestrator?.stop();
    h.app.orchestrator = null;
    const ready = await h.server.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().workersRunning, false);
    await h.app.startWorkers(2);
  });
});
