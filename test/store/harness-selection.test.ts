import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The harness's adapter selection, run in child processes against an unreachable server:
 * PostgreSQL tests are skipped with a visible message, or fail when AFTERWORD_REQUIRE_POSTGRES=1.
 */
const suite = fileURLToPath(new URL('./schema-snapshot.test.js', import.meta.url));
const unreachable = 'postgres://postgres@127.0.0.1:1/nowhere';

function runSuite(env: Record<string, string>) {
  // Without NODE_TEST_CONTEXT, which would make the child report to us in the runner's binary protocol.
  const { NODE_TEST_CONTEXT: _ignored, ...parentEnv } = process.env;
  const result = spawnSync(process.execPath, ['--test', suite], {
    env: { ...parentEnv, AFTERWORD_TEST_DATABASE_URL: unreachable, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('without PostgreSQL its tests are skipped, saying why and what to set', () => {
  const { status, output } = runSuite({ AFTERWORD_REQUIRE_POSTGRES: '0' });
  assert.equal(status, 0, output);
  assert.match(
    output,
    /# SKIP PostgreSQL not reachable at postgres:\/\/postgres@127\.0\.0\.1:1\/nowhere .*set AFTERWORD_TEST_DATABASE_URL/,
  );
  assert.match(output, /# pass 1/, 'the SQLite run still passes');
});

test('with AFTERWORD_REQUIRE_POSTGRES=1 an unreachable PostgreSQL fails the run', () => {
  const { status, output } = runSuite({ AFTERWORD_REQUIRE_POSTGRES: '1' });
  assert.notEqual(status, 0);
  assert.match(output, /AFTERWORD_REQUIRE_POSTGRES=1/);
  assert.match(output, /# fail 1/);
});
