import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoalescingLoop } from '../../src/telemetry/coalescing-loop.js';
import { silentLogger } from '../../src/telemetry/logger.js';

/** A step whose passes the test releases one at a time, counting how many started. */
function gatedStep(batches: boolean[] = []) {
  const state = { started: 0, release: [] as (() => void)[] };
  const step = () => {
    state.started++;
    const full = batches.shift() ?? false;
    return new Promise<boolean>((resolve) => state.release.push(() => resolve(full)));
  };
  return { state, step };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('pokes during a pass coalesce into exactly one more pass, and every poke resolves after it', async () => {
  const { state, step } = gatedStep();
  const loop = new CoalescingLoop({ step, intervalMs: 60_000, logger: silentLogger(), failureMessage: 'x' });
  loop.start();
  const first = loop.poke();
  await until(() => state.started === 1);
  const second = loop.poke();
  const third = loop.poke();
  state.release.shift()?.();
  await until(() => state.started === 2);
  state.release.shift()?.();
  await Promise.all([first, second, third]);
  assert.equal(state.started, 2, 'two pokes during a pass add one pass, not two');
  await loop.stop();
});

test('a pass repeats its step while the step reports a full batch', async () => {
  const { state, step } = gatedStep([true, true, false]);
  const loop = new CoalescingLoop({ step, intervalMs: 60_000, logger: silentLogger(), failureMessage: 'x' });
  loop.start();
  const done = loop.poke();
  for (let i = 1; i <= 3; i++) {
    await until(() => state.started === i);
    state.release.shift()?.();
  }
  await done;
  assert.equal(state.started, 3);
  await loop.stop();
});

test('a failing pass is logged, not thrown, and the next poke runs again; after stop pokes do nothing', async () => {
  const warnings: string[] = [];
  const logger = { ...silentLogger(), warn: (_: unknown, message: string) => void warnings.push(message) };
  let calls = 0;
  const loop = new CoalescingLoop({
    step: async () => {
      calls++;
      if (calls === 1) throw new Error('store unreachable');
      return false;
    },
    intervalMs: 60_000,
    logger: logger as never,
    failureMessage: 'poll failed',
  });
  loop.start();
  await loop.poke();
  assert.deepEqual(warnings, ['poll failed']);
  await loop.poke();
  assert.equal(calls, 2);
  await loop.stop();
  await loop.poke();
  assert.equal(calls, 2, 'a stopped loop runs no pass');
});
