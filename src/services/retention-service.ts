import type { Clock } from '../clock.js';
import type { AfterwordConfig } from '../config.js';
import type { WorkflowEngine } from '../engine/workflow-engine.js';
import type { Store } from '../store/store.js';
import { pruneClosedAlerts } from '../telemetry/alert-store.js';
import { pruneEvents } from '../telemetry/event-store.js';
import type { Tx } from '../telemetry/outbox.js';

export interface PruneReport {
  /** The cut-offs used (epoch ms): rows older than these went. */
  before: { events: number; jobs: number; alerts: number };
  events: number;
  jobs: number;
  steps: number;
  attempts: number;
  alerts: number;
}

/**
 * Retention (`retention.*` in the config): events, finished jobs with their checkpoints and
 * attempts, and closed alerts older than their window are deleted. Each table's owner deletes
 * its own rows, `batchSize` at a time, each batch in its own short transaction, so pruning a
 * live store never holds a lock long and can stop anywhere: a second run simply continues.
 */
export class RetentionService {
  constructor(private readonly deps: { store: Store<Tx>; engine: WorkflowEngine; config: AfterwordConfig; clock: Clock }) {}

  async prune(now = this.deps.clock.now()): Promise<PruneReport> {
    const { retention } = this.deps.config;
    const { store, engine } = this.deps;
    const size = retention.batchSize;
    const before = {
      events: now - retention.eventsMs,
      jobs: now - retention.finishedJobsMs,
      alerts: now - retention.closedAlertsMs,
    };
    const report: PruneReport = { before, events: 0, jobs: 0, steps: 0, attempts: 0, alerts: 0 };
    for (;;) {
      const n = await store.transact((tx) => pruneEvents(tx, before.events, size));
      report.events += n;
      if (n < size) break;
    }
    if (engine.pruneFinished) {
      for (;;) {
        const pruned = await engine.pruneFinished(before.jobs, size);
        report.jobs += pruned.jobs;
        report.steps += pruned.steps;
        report.attempts += pruned.attempts;
        if (pruned.jobs < size) break;
      }
    }
    for (;;) {
      const n = await store.transact((tx) => pruneClosedAlerts(tx, before.alerts, size));
      report.alerts += n;
      if (n < size) break;
    }
    return report;
  }
}
