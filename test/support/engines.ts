/**
 * ONE workflow suite for every engine: `forEachEngine(title, fn)` runs a block of workflow tests
 * on the built-in engine and on the Temporal engine (against a real Temporal server), on every
 * store adapter (test/support/harness.ts), with the same assertions:
 *
 *   forEachEngine('closure workflow', (suite) => {
 *     suite.test('runs the six steps', async (ctx) => {
 *       const { app } = await ctx.app({ ... });   // the app runs on ctx.engine ('builtin' | 'temporal')
 *     });
 *   });
 *
 * On Temporal every app gets a task queue of its own (apps on different stores never take each
 * other's work) and short relay and heartbeat timings. The server is AFTERWORD_TEMPORAL_ADDRESS
 * (`.ci/start-temporal` starts one); without a reachable server the Temporal blocks are skipped
 * with a message saying what to set, unless AFTERWORD_REQUIRE_TEMPORAL=1 (CI), where they fail.
 * AFTERWORD_TEST_ENGINES=builtin (or temporal) restricts the run.
 */
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { Connection } from '@temporalio/client';
import type { ConfigInput } from '../../src/config.js';
import type { EngineKind } from '../../src/engine/workflow-engine.js';
import { forEachStore, type StoreContext } from './harness.js';

export const temporalAddress = process.env.AFTERWORD_TEMPORAL_ADDRESS ?? '';
export const requireTemporal = process.env.AFTERWORD_REQUIRE_TEMPORAL === '1';
export const engines: readonly EngineKind[] = (process.env.AFTERWORD_TEST_ENGINES?.split(',') as EngineKind[] | undefined) ?? [
  'builtin',
  'temporal',
];

let reachable: Promise<string | null> | undefined;

/** null when a Temporal server answers at AFTERWORD_TEMPORAL_ADDRESS, else why it does not. */
export function temporalUnavailable(): Promise<string | null> {
  reachable ??= (async () => {
    if (!temporalAddress) {
      return 'no Temporal server: set AFTERWORD_TEMPORAL_ADDRESS (e.g. 127.0.0.1:7233; .ci/start-temporal starts a dev server)';
    }
    try {
      const connection = await Connection.connect({ address: temporalAddress, connectTimeout: 3_000 });
      await connection.close();
      return null;
    } catch (error) {
      return `Temporal not reachable at ${temporalAddress} (${(error as Error).message}): set AFTERWORD_TEMPORAL_ADDRESS`;
    }
  })();
  return reachable;
}

/** Skip (or, with AFTERWORD_REQUIRE_TEMPORAL=1, fail) a test that needs Temporal when none answers. */
export async function skipWithoutTemporal(t: TestContext): Promise<boolean> {
  const reason = await temporalUnavailable();
  if (!reason) return false;
  if (requireTemporal) throw new Error(`${reason} (AFTERWORD_REQUIRE_TEMPORAL=1)`);
  t.skip(reason);
  return true;
}

/** The configuration that puts an app on the Temporal test server, on a task queue of its own. */
export function temporalTestConfig(overrides: ConfigInput = {}): ConfigInput {
  const temporal = (overrides.temporal ?? {}) as NonNullable<ConfigInput['temporal']>;
  return {
    ...overrides,
    engineKind: 'temporal',
    temporal: {
      address: temporalAddress,
      taskQueue: `afterword-test-${randomUUID().slice(0, 8)}`,
      // The tests move the store's clock (AdjustableClock): due-later jobs read it again soon.
      dueRecheckMs: 100,
      ...temporal,
      activity: { heartbeatTimeoutMs: 3_000, startToCloseMs: 60_000, ...(temporal.activity ?? {}) },
      relay: { pollIntervalMs: 50, backoffBaseMs: 50, backoffMaxMs: 500, ...(temporal.relay ?? {}) },
    },
  };
}

export interface EngineContext extends StoreContext {
  engine: EngineKind;
}

export interface EngineSuite {
  test(name: string, fn: (ctx: EngineContext, t: TestContext) => Promise<void>, options?: { timeout?: number }): void;
}

export function forEachEngine(title: string, fn: (suite: EngineSuite) => void): void {
  for (const engine of engines) {
    forEachStore(engine === 'builtin' ? title : `${title} {temporal}`, (suite) => {
      fn({
        test(name, body, options = {}) {
          suite.test(
            name,
            async (ctx, t) => {
              if (engine === 'builtin') {
                await body({ ...ctx, engine }, t);
                return;
              }
              if (await skipWithoutTemporal(t)) return;
              await body(
                {
                  ...ctx,
                  engine,
                  app: (overrides = {}, appOptions = {}) => ctx.app(temporalTestConfig(overrides), appOptions),
                  service: (overrides = {}, serviceOptions = {}) => ctx.service(temporalTestConfig(overrides), serviceOptions),
                },
                t,
              );
            },
            { timeout: options.timeout ?? (engine === 'temporal' ? 180_000 : 120_000) },
          );
        },
      });
    });
  }
}
