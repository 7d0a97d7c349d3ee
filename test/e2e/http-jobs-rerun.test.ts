import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { skipWithoutTemporal, temporalTestConfig } from '../support/engines.js';
import { currentRun } from '../support/temporal-history.js';
import { auth, type Harness, sampleTurns, startHarness, waitFor } from './harness.js';

describe('HTTP: re-run a job from a step (POST /v1/jobs/{id}/rerun)', () => {
  let h: Harness;
  let jobId: string;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());
  const req = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, who: 'admin' | 'viewer' | 'gm' = 'admin') =>
    h.server.inject({ method, url, headers: auth(who), ...(payload === undefined ? {} : { payload: payload as object }) });
  const jobOf = async (id: string) => (await req('GET', `/v1/jobs/${id}`)).json();

  test('a finished closure re-runs from the step asked for, recorded with the caller', async () => {
    await req('PUT', '/v1/sessions/rerun-http-1', {});
    await req('POST', '/v1/sessions/rerun-http-1/turns', { turns: sampleTurns(4) });
    jobId = (await req('POST', '/v1/sessions/rerun-http-1/close')).json().closureJob.jobId;
    await waitFor(async () => (await jobOf(jobId)).job.status === 'completed', 'the closure');
    const res = await req('POST', `/v1/jobs/${jobId}/rerun`, { step: 'reconcile' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().job.jobId, jobId);
    assert.equal(res.json().job.status, 'queued');
    const timeline = await waitFor(async () => {
      const t = await jobOf(jobId);
      return t.job.status === 'completed' ? t : null;
    }, 'the re-run');
    assert.deepEqual(timeline.steps.map((s: { step: string; attempt: number }) => [s.step, s.attempt]).slice(-2), [
      ['publish-prep', 1],
      ['reconcile', 2],
    ]);
    const [recorded] = await h.app.eventsSince(0, { topics: ['engine.job.rerun'] });
    assert.equal(recorded?.jobId, jobId);
    assert.deepEqual([recorded?.payload.actor, recorded?.payload.fromStep], ['admin:root', 'reconcile']);
  });

  test('a step the workflow does not have is a 400 naming the field; the job does not change', async () => {
    const res = await req('POST', `/v1/jobs/${jobId}/rerun`, { step: 'no-such-step' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'invalid_input');
    assert.equal(res.json().error.issues[0].field, 'step');
    assert.equal((await jobOf(jobId)).job.status, 'completed');
    const missing = await req('POST', `/v1/jobs/${jobId}/rerun`, {});
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().error.code, 'invalid_input');
  });

  test('an unknown job is a 404; only an admin may re-run', async () => {
    const unknown = await req('POST', '/v1/jobs/no-such-job/rerun', { step: 'reconcile' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'job_not_found');
    for (const who of ['viewer', 'gm'] as const) {
      const refused = await req('POST', `/v1/jobs/${jobId}/rerun`, { step: 'reconcile' }, who);
      assert.equal(refused.statusCode, 403, who);
    }
    assert.equal((await jobOf(jobId)).job.status, 'completed');
  });
});

describe('HTTP: re-run a job from a step on the Temporal engine', () => {
  test("the caller's re-run resets the job's workflow, recorded as engine.job.rerun and temporal.job.rerun", {
    timeout: 180_000,
  }, async (t) => {
    if (await skipWithoutTemporal(t)) return;
    const h = await startHarness(temporalTestConfig());
    t.after(() => h.close());
    const req = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
      h.server.inject({ method, url, headers: auth('admin'), ...(payload === undefined ? {} : { payload: payload as object }) });
    await req('PUT', '/v1/sessions/rerun-http-t1', {});
    await req('POST', '/v1/sessions/rerun-http-t1/turns', { turns: sampleTurns(4) });
    const jobId = (await req('POST', '/v1/sessions/rerun-http-t1/close')).json().closureJob.jobId;
    await waitFor(async () => (await req('GET', `/v1/jobs/${jobId}`)).json().job.status === 'completed', 'the closure');
    const before = await currentRun(h.app, jobId);
    const res = await req('POST', `/v1/jobs/${jobId}/rerun`, { step: 'publish-prep' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().job.status, 'queued');
    const timeline = await waitFor(async () => {
      const job = (await req('GET', `/v1/jobs/${jobId}`)).json();
      return job.job.status === 'completed' ? job : null;
    }, 'the re-run');
    assert.deepEqual(timeline.steps.map((s: { step: string; attempt: number }) => [s.step, s.attempt]).slice(-3), [
      ['deltas', 1],
      ['publish-prep', 2],
      ['reconcile', 2],
    ]);
    const reached = await waitFor(async () => {
      const [event] = await h.app.eventsSince(0, { topics: ['temporal.job.rerun'] });
      return event ?? null;
    }, 'temporal.job.rerun');
    assert.equal(reached.jobId, jobId);
    assert.deepEqual(
      [reached.payload.mode, reached.payload.actor, reached.payload.fromStep],
      ['reset', 'admin:root', 'publish-prep'],
    );
    const after = await waitFor(async () => {
      const run = await currentRun(h.app, jobId);
      return run.status === 'COMPLETED' ? run : null;
    }, 'the reset run');
    assert.notEqual(after.runId, before.runId);
    assert.equal(after.runId, reached.payload.runId);
    assert.deepEqual(after.before, ['sanitise', 'consolidate', 'extract', 'deltas']);
    assert.deepEqual(after.after, ['publish-prep', 'reconcile']);
  });
});
