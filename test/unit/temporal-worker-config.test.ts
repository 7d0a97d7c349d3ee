import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AfterwordError } from '../../src/errors.js';
import { isStrict, readTemporalWorkerConfig } from '../../src/temporal/worker-config.js';

test('strict mode follows the spec precedence', () => {
  assert.equal(isStrict({ TEMPORAL_STRICT_CONFIG: 'yes', TEMPORAL_ALLOW_FALLBACK: 'true' }), true);
  assert.equal(isStrict({ TEMPORAL_ALLOW_FALLBACK: 'Y', NODE_ENV: 'production' }), false);
  assert.equal(isStrict({ NODE_ENV: 'production' }), true);
  assert.equal(isStrict({ CI: '1' }), true);
  assert.equal(isStrict({ CI: '  ' }), false, 'blank counts as missing');
  assert.equal(isStrict({}), false);
});

test('values are trimmed, fall back to the legacy names, and lenient mode fills defaults', () => {
  const config = readTemporalWorkerConfig({
    TEMPORAL_DOMAIN: ' stories ',
    TEMPORAL_QUEUE: 'q1',
    TEMPORAL_METRICS_NAMESPACE: 'm',
  });
  assert.equal(config.namespace, 'stories');
  assert.equal(config.taskQueue, 'q1');
  assert.equal(config.metricsNamespace, 'm');
  assert.equal(config.strict, false);
  const defaults = readTemporalWorkerConfig({ TEMPORAL_NAMESPACE: '' });
  assert.equal(defaults.namespace, 'default');
  assert.equal(defaults.otlpEndpoint, null);
});

test('strict mode fails with temporal_worker_missing_config listing every missing variable', () => {
  assert.throws(
    () => readTemporalWorkerConfig({ CI: 'true', TEMPORAL_NAMESPACE: ' ' }, { requireOtlp: true }),
    (error: AfterwordError) => {
      assert.equal(error.code, 'temporal_worker_missing_config');
      assert.deepEqual(error.details?.missing, [
        'TEMPORAL_NAMESPACE (or TEMPORAL_DOMAIN)',
        'TEMPORAL_TASK_QUEUE (or TEMPORAL_QUEUE)',
        'OTEL_EXPORTER_OTLP (or OTEL_EXPORTER_OTLP_ENDPOINT)',
      ]);
      return true;
    },
  );
  assert.doesNotThrow(() => readTemporalWorkerConfig({ CI: 'true', TEMPORAL_NAMESPACE: 'n', TEMPORAL_TASK_QUEUE: 'q' }));
});
