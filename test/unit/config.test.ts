import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { type AfterwordError, errorCodes } from '../../src/errors.js';

test('defaults match the spec and the result is frozen', () => {
  const config = loadConfig({}, {});
  assert.equal(config.closure.slaMs, 10 * 60_000);
  assert.equal(config.cadence.loreBatchAfterMs, 60 * 60_000);
  assert.equal(config.cadence.maxOverrideMs, 12 * 60 * 60_000);
  assert.deepEqual(config.cadence.escalationOffsetsMs, [30 * 60_000, 40 * 60_000]);
  assert.equal(config.dataDir, './data');
  assert.throws(() => {
    (config.engine as { leaseMs: number }).leaseMs = 1;
  }, TypeError);
});

test('environment values are read, and blank values count as missing', () => {
  const config = loadConfig(
    {},
    { AFTERWORD_CONCURRENCY: '7', AFTERWORD_DATA_DIR: '   ', AFTERWORD_TOKENS: 'admin:0123456789abcdef0123' },
  );
  assert.equal(config.workers.concurrency, 7);
  assert.equal(config.dataDir, './data');
  assert.equal(config.http.tokens[0]?.role, 'admin');
});

test('a bad value fails naming the field', () => {
  assert.throws(
    () => loadConfig({ engine: { leaseMs: 5 } }, {}),
    (e: AfterwordError) => e.code === 'invalid_config' && e.issues.some((i) => i.field === 'engine.leaseMs'),
  );
  assert.throws(
    () => loadConfig({}, { AFTERWORD_PORT: 'eighty' }),
    (e: AfterwordError) => e.message.includes('AFTERWORD_PORT'),
  );
});

test('every error code has an HTTP status; client mistakes are 4xx', () => {
  for (const [code, { status }] of Object.entries(errorCodes)) {
    assert.ok(status >= 400 && status < 600, code);
  }
  assert.equal(errorCodes.invalid_input.status, 400);
  assert.equal(errorCodes.session_not_found.status, 404);
  assert.equal(errorCodes.turn_conflict.status, 409);
});
