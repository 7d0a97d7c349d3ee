import { AdjustableClock, demoWorld, type StoreContext } from '../support/harness.js';

/** Engine timings for workflow tests: quick polls and back-off. */
export const fast = { engine: { pollIntervalMs: 20, backoffBaseMs: 1, backoffMaxMs: 5 } };

/** From closure to the batch's time (the demo cadence plans batches an hour out). */
export const batchTime = 61 * 60_000;

/**
 * An app on the demo world with one session of gm `lines`, closed and processed by two workers:
 * its closure job completed, its publishing batch planned. The clock can be moved forward.
 */
export async function processedClosure(
  ctx: StoreContext,
  sessionId: string,
  lines: string[],
  overrides: Record<string, unknown> = {},
) {
  const clock = new AdjustableClock();
  const { app } = await ctx.app({ ...fast, ...overrides }, { clock });
  await app.world.importWorld(demoWorld());
  await app.sessions.upsert(sessionId, {});
  await app.sessions.appendTurns(
    sessionId,
    lines.map((text, i) => ({ turnId: `t${i + 1}`, speaker: 'gm', text })),
  );
  const closed = await app.coordinator.closeSession(sessionId);
  const workers = await app.startWorkers(2);
  await workers.untilIdle();
  const job = await app.engine.requireJob(closed.job.jobId);
  const [batch] = await app.publishing.batches({ sessionId });
  return { app, workers, clock, job, batch };
}
