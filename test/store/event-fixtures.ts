import type { DeferredWrite } from '../../src/store/transaction.js';
import { EventRelay } from '../../src/telemetry/event-relay.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import type { StoredEvent } from '../../src/telemetry/topics.js';
import { type StoreContext, storeOn } from '../support/harness.js';

/** A commit-phase write that runs after the outbox's rows are written: holds the transaction open there. */
export function holdAfterEvents(written: () => void, release: Promise<void>): DeferredWrite<null> {
  return {
    name: 'hold-after-events',
    phase: 'commit',
    async flush() {
      written();
      await release;
    },
  };
}

/** Two writers, as two processes: on their own connections where the adapter has several (PostgreSQL). */
export async function twoWriters(ctx: StoreContext) {
  const separate = ctx.store.driver.capabilities.multipleConnections;
  const a = storeOn(separate ? await ctx.openDriver() : ctx.store.driver, ctx.location, ctx.clock, 'writer-a');
  const b = storeOn(separate ? await ctx.openDriver() : ctx.store.driver, ctx.location, ctx.clock, 'writer-b');
  return { a, b };
}

/** An "api process" with an event relay on the harness store, and every event its bus saw. */
export async function startRelay(ctx: StoreContext, origin: string, intervalMs = 30) {
  const api = storeOn(ctx.store.driver, ctx.location, ctx.clock, origin);
  const relay = new EventRelay({ driver: ctx.store.driver, bus: api.bus, origin, logger: silentLogger(), intervalMs });
  const seen: StoredEvent[] = [];
  api.bus.subscribe({}, (e) => void seen.push(e));
  await relay.start();
  return { api, relay, seen };
}
