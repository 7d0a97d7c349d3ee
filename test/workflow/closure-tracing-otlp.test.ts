import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createTestApp, demoWorld, sampleTurns, waitForEvent } from '../support/harness.js';

/**
 * Tracing is configured by OTEL_EXPORTER_OTLP_ENDPOINT alone (issue 12, item 7): with it set, an
 * application exports a closure's spans over OTLP/HTTP to `<endpoint>/v1/traces` (flushed at
 * stop). The receiver here is a real HTTP server reading what the SDK's exporter sends.
 */
test('with OTEL_EXPORTER_OTLP_ENDPOINT set, a closure is exported over OTLP/HTTP to <endpoint>/v1/traces', async () => {
  const received: Array<{ url: string; body: any }> = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  const { app, cleanup } = await createTestApp({
    tracing: { otlpEndpoint: `http://127.0.0.1:${port}/`, serviceName: 'afterword-test' },
  });
  try {
    await app.world.importWorld(demoWorld());
    await app.startWorkers(1);
    await app.sessions.upsert('otlp-1', {});
    await app.sessions.appendTurns('otlp-1', sampleTurns);
    const done = waitForEvent(app, 'offline.sessionClosure.completed', (e) => e.sessionId === 'otlp-1', 60_000);
    await app.coordinator.closeSession('otlp-1', { closedBy: 'test' });
    await done;
  } finally {
    await cleanup(); // stops the app, which flushes and shuts the SDK down
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
  assert.ok(received.length > 0, 'the exporter posted spans');
  assert.ok(
    received.every((r) => r.url === '/v1/traces'),
    received.map((r) => r.url).join(),
  );
  const spans = received.flatMap((r) =>
    (r.body.resourceSpans ?? []).flatMap((rs: any) =>
      (rs.scopeSpans ?? []).flatMap((ss: any) =>
        (ss.spans ?? []).map((s: any) => ({
          name: s.name as string,
          traceId: s.traceId as string,
          service: rs.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue,
        })),
      ),
    ),
  );
  const names = spans.map((s) => s.name);
  for (const name of ['session.close', 'job session.closure', 'step sanitise', 'step reconcile']) {
    assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
  }
  assert.equal(new Set(spans.map((s) => s.traceId)).size, 1, 'one trace');
  assert.ok(spans.every((s) => s.service === 'afterword-test'));
});
