import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { packageRoot } from '../../src/paths.js';
import { workflowInterceptorsPath, workflowsPath } from '../../src/temporal/temporal-engine.js';

/**
 * Recorded workflow histories (test/fixtures/temporal-histories/, recorded by
 * test/temporal/record-histories.ts on a real server) replay against the current workflow code,
 * so a change that would break running workflows (a non-deterministic change without `patched()`)
 * fails CI before it reaches a deployment. Needs no Temporal server.
 */
const dir = join(packageRoot, 'test', 'fixtures', 'temporal-histories');
const changedWorkflowsPath = fileURLToPath(new URL('./changed-workflows.js', import.meta.url));

function recorded() {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ workflowId: file.replace(/\.json$/, ''), history: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));
}

/** `traced`: with the OpenTelemetry workflow interceptors the worker adds when tracing is on. */
async function replay(path: string, traced = false) {
  const failures: Array<{ workflowId: string; error: string }> = [];
  let replayed = 0;
  const tracing = traced
    ? {
        interceptors: { workflowModules: [workflowInterceptorsPath] },
        sinks: { exporter: { export: { fn: () => undefined } } },
      }
    : {};
  const options = { workflowsPath: path, replayName: 'afterword-replay', ...tracing };
  for await (const result of Worker.runReplayHistories(options, recorded())) {
    replayed++;
    if (result.error) failures.push({ workflowId: result.workflowId, error: `${result.error.name}: ${result.error.message}` });
  }
  return { replayed, failures };
}

describe('temporal: recorded histories replay against the current workflow code', () => {
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
    });
  } catch {
    // installed already in this process
  }

  test('every recorded history replays without a non-determinism error', { timeout: 180_000 }, async () => {
    const histories = recorded();
    assert.ok(histories.length >= 4, `histories recorded: ${histories.map((h) => h.workflowId).join(', ')}`);
    const { replayed, failures } = await replay(workflowsPath);
    assert.equal(replayed, histories.length);
    assert.deepEqual(failures, []);
  });

  test('they replay with the OpenTelemetry interceptors too (they add headers and spans, no commands)', {
    timeout: 180_000,
  }, async () => {
    const { replayed, failures } = await replay(workflowsPath, true);
    assert.equal(replayed, recorded().length);
    assert.deepEqual(failures, []);
  });

  test('an incompatible change to the workflow fails the replay (the check can fail)', { timeout: 180_000 }, async () => {
    const { replayed, failures } = await replay(changedWorkflowsPath);
    assert.equal(replayed, recorded().length);
    assert.equal(failures.length, replayed, 'every history is refused');
    assert.ok(
      failures.every((f) => /DeterminismViolation|nondetermin/i.test(f.error)),
      failures.map((f) => f.error).join('\n'),
    );
  });
});
