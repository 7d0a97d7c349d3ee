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
 * ids. Spans are collected with the SDK's in-memory exporter.
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
    await service.close();
  });
});

function hrToMs([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}
