import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { spanAttributes, startTracing, type TracingHandle } from '../../src/telemetry/tracing.js';
import { auth, tokenConfig } from '../e2e/harness.js';
import { forEachEngine } from '../support/engines.js';
import { demoWorld, sampleTurns, waitFor, waitForEvent } from '../support/harness.js';

/**
 * One closure is one trace (issue 12, item 7), on both engines: the HTTP close, the
 * coordinator's `session.close`, then, through the job's payload, the worker's `job
 * session.closure` span with one `step <name>` span per step, all carrying the job and session
 * ids; on Temporal also @temporalio/interceptors-opentelemetry's StartWorkflow -> RunWorkflow ->
 * StartActivity -> RunActivity spans under the close. Spans are collected with the SDK's
 * in-memory exporter.
 */
const exporter = new InMemorySpanExporter();
let tracing: TracingHandle;
before(async () => {
  tracing = await startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
});
after(async () => tracing.shutdown());

const stepNames = ['sanitise', 'consolidate', 'extract', 'deltas', 'publish-prep', 'reconcile'];

forEachEngine('tracing: one closure is one trace', (suite) => {
  suite.test('HTTP close -> session.close -> job -> every step, with job and session ids', async (ctx) => {
    const service = await ctx.service({ http: { tokens: tokenConfig } }, { workers: 1 });
    await service.app.world.importWorld(demoWorld());
    const sessionId = ctx.unique('traced');
    const put = await service.server.inject({
      method: 'PUT',
      url: `/v1/sessions/${sessionId}`,
      headers: auth('admin'),
      payload: {},
    });
    assert.equal(put.statusCode, 201);
    await service.server.inject({
      method: 'POST',
      url: `/v1/sessions/${sessionId}/turns`,
      headers: auth('admin'),
      payload: { turns: sampleTurns },
    });
    const completed = waitForEvent(service.app, 'offline.sessionClosure.completed', (e) => e.sessionId === sessionId, 60_000);
    const closed = await service.server.inject({
      method: 'POST',
      url: `/v1/sessions/${sessionId}/close`,
      headers: auth('admin'),
    });
    assert.equal(closed.statusCode, 202);
    const jobId = closed.json().closureJob.jobId as string;
    await completed;

    const ofSession = () => exporter.getFinishedSpans().filter((s) => s.attributes[spanAttributes.sessionId] === sessionId);
    const spans = await waitFor(() => {
      const found = ofSession();
      return found.some((s) => s.name === 'job session.closure') && found.filter((s) => s.name.startsWith('step ')).length >= 6
        ? found
        : undefined;
    }, 'the job and step spans');

    const one = (name: string): ReadableSpan => {
      const named = spans.filter((s) => s.name === name);
      assert.equal(named.length, 1, `one ${name} span, got ${named.length}`);
      return named[0] as ReadableSpan;
    };
    const http = one('POST /v1/sessions/{sessionId}/close');
    const close = one('session.close');
    const job = one('job session.closure');
    const steps = stepNames.map((name) => one(`step ${name}`));

    // One trace.
    const traceId = http.spanContext().traceId;
    for (const span of [close, job, ...steps]) assert.equal(span.spanContext().traceId, traceId, span.name);
    // The tree.
    assert.equal(http.kind, SpanKind.SERVER);
    assert.equal(http.parentSpanId, undefined, 'the HTTP close is the root');
    assert.equal(close.parentSpanId, http.spanContext().spanId);
    assert.equal(job.parentSpanId, close.spanContext().spanId, 'the job continues the close through its payload');
    for (const step of steps) assert.equal(step.parentSpanId, job.spanContext().spanId, step.name);
    // In order, one after another.
    for (let i = 1; i < steps.length; i++) {
      const [previous, current] = [steps[i - 1] as ReadableSpan, steps[i] as ReadableSpan];
      assert.ok(hrToMs(current.startTime) >= hrToMs(previous.endTime) - 1, `${current.name} starts after ${previous.name}`);
    }
    // Ids as attributes.
    assert.equal(close.attributes[spanAttributes.jobId], jobId);
    for (const span of [job, ...steps]) {
      assert.equal(span.attributes[spanAttributes.jobId], jobId, span.name);
      assert.equal(span.attributes[spanAttributes.sessionId], sessionId, span.name);
      assert.equal(span.attributes[spanAttributes.workflow], 'session.closure', span.name);
    }
    assert.deepEqual(
      steps.map((s) => s.attributes[spanAttributes.step]),
      stepNames,
    );
    assert.ok(
      steps.every((s) => s.status.code !== 2),
      'no step failed',
    );
    if (ctx.engine === 'temporal') {
      // @temporalio/interceptors-opentelemetry: the relay starts the workflow in the close's
      // context, so StartWorkflow is the close's child, RunWorkflow (exported from the workflow
      // sandbox through the sink) the start's, and each RunActivity under its StartActivity.
      const inTrace = await waitFor(() => {
        const found = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
        return found.some((s) => s.name === 'RunWorkflow:afterwordJob') &&
          found.filter((s) => s.name.startsWith('RunActivity:')).length >= 1
          ? found
          : undefined;
      }, 'the Temporal interceptor spans');
      const byId = new Map(inTrace.map((s) => [s.spanContext().spanId, s]));
      const parentOf = (span: ReadableSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
      const starts = inTrace.filter((s) => s.name === 'StartWorkflow:afterwordJob');
      assert.equal(starts.length, 1, 'one StartWorkflow span');
      const start = starts[0] as ReadableSpan;
      assert.equal(start.parentSpanId, close.spanContext().spanId, 'StartWorkflow is a child of session.close');
      const runs = inTrace.filter((s) => s.name === 'RunWorkflow:afterwordJob');
      for (const run of runs) assert.equal(run.parentSpanId, start.spanContext().spanId, 'RunWorkflow under StartWorkflow');
      const activities = inTrace.filter((s) => s.name.startsWith('RunActivity:'));
      for (const activity of activities) {
        const scheduled = parentOf(activity);
        assert.ok(scheduled?.name.startsWith('StartActivity:'), `${activity.name} under a StartActivity span`);
        assert.equal(parentOf(scheduled as ReadableSpan)?.name, 'RunWorkflow:afterwordJob', `${activity.name} in the workflow`);
      }
    }
    await service.close();
  });
});

function hrToMs([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}
