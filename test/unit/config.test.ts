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

const t16 = (c: string) => c.repeat(20);

test('AFTERWORD_TOKENS: name=role:token, split on the first colon only; names do not depend on order', () => {
  const env = { AFTERWORD_TOKENS: `alice=gm:${t16('a')}:x:y, bob=gm:${t16('b')},root=admin:${t16('c')}=` };
  const tokens = loadConfig({}, env).http.tokens;
  assert.deepEqual(
    tokens.map((t) => [t.name, t.role, t.token]),
    [
      ['alice', 'gm', `${t16('a')}:x:y`],
      ['bob', 'gm', t16('b')],
      ['root', 'admin', `${t16('c')}=`],
    ],
  );
  const reordered = loadConfig({}, { AFTERWORD_TOKENS: `bob=gm:${t16('b')},alice=gm:${t16('a')}:x:y` }).http.tokens;
  assert.deepEqual(
    reordered.map((t) => [t.name, t.token]),
    [
      ['bob', t16('b')],
      ['alice', `${t16('a')}:x:y`],
    ],
  );
});

test('AFTERWORD_TOKENS: an unnamed role:token is named after its role, and only while that is unambiguous', () => {
  const one = loadConfig({}, { AFTERWORD_TOKENS: `admin:${t16('a')}:b, gm:${t16('g')}=` }).http.tokens;
  assert.deepEqual(
    one.map((t) => [t.name, t.role, t.token]),
    [
      ['admin', 'admin', `${t16('a')}:b`],
      ['gm', 'gm', `${t16('g')}=`],
    ],
  );
  assert.throws(
    () => loadConfig({}, { AFTERWORD_TOKENS: `gm:${t16('a')},gm:${t16('b')}` }),
    (e: AfterwordError) =>
      e.code === 'invalid_config' && e.issues.some((i) => i.field === 'AFTERWORD_TOKENS[1]') && /name=role:token/.test(e.message),
  );
  assert.throws(
    () => loadConfig({}, { AFTERWORD_TOKENS: `x=gm:${t16('a')},x=viewer:${t16('b')}` }),
    (e: AfterwordError) => e.code === 'invalid_config' && /duplicate token name "x"/.test(e.message),
  );
  assert.throws(
    () => loadConfig({}, { AFTERWORD_TOKENS: t16('a') }),
    (e: AfterwordError) => e.code === 'invalid_config' && e.issues.some((i) => i.field === 'AFTERWORD_TOKENS[0]'),
  );
});

test('http.tokens: every token has an explicit, unique, plain name; duplicates fail the start naming the entry', () => {
  assert.throws(
    () => loadConfig({ http: { tokens: [{ token: t16('a'), role: 'gm' }] } } as never, {}),
    (e: AfterwordError) => e.code === 'invalid_config' && e.issues.some((i) => i.field === 'http.tokens.0.name'),
  );
  assert.throws(
    () =>
      loadConfig(
        {
          http: {
            tokens: [
              { token: t16('a'), role: 'gm', name: 'table' },
              { token: t16('b'), role: 'gm', name: 'table' },
            ],
          },
        },
        {},
      ),
    (e: AfterwordError) =>
      e.code === 'invalid_config' && e.issues.some((i) => i.field === 'http.tokens.1.name' && /duplicate/.test(i.reason)),
  );
  assert.throws(
    () => loadConfig({ http: { tokens: [{ token: t16('a'), role: 'gm', name: 'gm one' }] } }, {}),
    (e: AfterwordError) => e.issues.some((i) => i.field === 'http.tokens.0.name'),
  );
  assert.throws(
    () =>
      loadConfig(
        {
          http: {
            tokens: [
              { token: t16('a'), role: 'gm', name: 'one' },
              { token: t16('a'), role: 'admin', name: 'two' },
            ],
          },
        },
        {},
      ),
    (e: AfterwordError) => e.issues.some((i) => i.field === 'http.tokens.1.token'),
  );
});

test('tracing is off by default and configured by OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_SERVICE_NAME', () => {
  assert.equal(loadConfig({}, {}).tracing.otlpEndpoint, undefined);
  const config = loadConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'aw-api' });
  assert.deepEqual(config.tracing, { otlpEndpoint: 'http://collector:4318', serviceName: 'aw-api' });
  assert.throws(
    () => loadConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }),
    (e: AfterwordError) => e.issues.some((i) => i.field === 'tracing.otlpEndpoint'),
  );
});
