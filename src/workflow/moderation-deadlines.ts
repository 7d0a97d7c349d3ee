import { decisionsFor, deltasOfBatch } from '../canon/delta-store.js';
import { carryJobId, getBatch, insertBatch, setBatchDeltas } from '../canon/publishing-store.js';
import type { IdSource } from '../clock.js';
import type { AfterwordConfig } from '../config.js';
import { type Cadence, isCovered, latestDecisions, type PublishingPlan, reevaluateGate } from '../domain/index.js';
import { defineSteps } from '../engine/steps.js';
import type { WorkflowDefinition } from '../engine/types.js';
import type { WorkflowEngine } from '../engine/workflow-engine.js';
import { escalateAlert, resolveAlerts } from '../telemetry/alert-lifecycle.js';
import type { Severity } from '../telemetry/alerts.js';
import type { Tx } from '../telemetry/outbox.js';
import { releaseBatch } from './batch-gate.js';
import { batchHeldCause, batchModerationCause } from './moderation-causes.js';
import { publishingAlerts, publishingTopics } from './publishing-topics.js';
import { batchWorkflowName } from './publishing-workflows.js';

export const moderationDeadlineWorkflowName = 'moderation.deadline';

/**
 * What happens at a held batch's escalation times and when its moderation window closes: a
 * due-later job per moment (on the injected clock, surviving restarts), enqueued when the
 * batch is planned `awaiting_moderation`. A job whose batch is no longer waiting does nothing.
 */
export interface DeadlinePayload {
  batchId: string;
  sessionId: string;
  kind: 'escalation' | 'window-close';
  /** 1 for the first escalation time, 2 for the second, ... */
  level: number;
}

/** The alert's severity at each escalation level (it starts at medium). */
const severityAt = (level: number): Severity => (level <= 1 ? 'high' : 'critical');

export async function scheduleModerationDeadlines(
  tx: Tx,
  engine: WorkflowEngine,
  plan: PublishingPlan,
  cadence: Cadence,
): Promise<void> {
  const moments: Array<{ kind: DeadlinePayload['kind']; level: number; at: number }> = [
    ...[...cadence.escalations].sort((a, b) => a - b).map((at, i) => ({ kind: 'escalation' as const, level: i + 1, at })),
    { kind: 'window-close', level: 0, at: cadence.moderationWindow.closesAt },
  ];
  for (const m of moments) {
    await engine.enqueue(tx, {
      workflow: moderationDeadlineWorkflowName,
      payload: { batchId: plan.batchId, sessionId: plan.sessionId, kind: m.kind, level: m.level },
      idempotencyKey: `deadline:${plan.batchId}:${m.kind}:${m.level}`,
      runAt: m.at,
    });
  }
}

export function moderationDeadlineWorkflow(deps: {
  engine: WorkflowEngine;
  config: AfterwordConfig;
  ids: IdSource;
}): WorkflowDefinition<DeadlinePayload, { action: string }> {
  const policy = deps.config.moderation;
  const steps = defineSteps<DeadlinePayload>().step('act', {
    run: () => ({}),
    async commit(tx, _output, { job }) {
      const { batchId, kind, level } = job.payload;
      const batch = await getBatch(tx, batchId);
      if (batch?.status !== 'awaiting_moderation') return { action: 'none' };
      if (kind === 'escalation') {
        if (!policy.escalation.raiseSeverity && !policy.escalation.resend) return { action: 'none' };
        const current = batch.plan.moderation.pending;
        const severity: Severity = policy.escalation.raiseSeverity ? severityAt(level) : 'medium';
        const alert = await escalateAlert(tx, batchModerationCause(batchId), severity, level);
        await publishingTopics.emit(tx, 'moderation.escalated', {
          batchId,
          sessionId: batch.sessionId,
          level,
          severity,
          pending: current,
          alertId: alert?.id ?? null,
        });
        return { action: `escalated:${level}` };
      }
      if (policy.onWindowClose === 'hold') {
        await publishingAlerts.raise(tx, 'publish.batch_held', {
          sessionId: batch.sessionId,
          causeKey: batchHeldCause(batchId),
          data: { batchId, pending: batch.plan.moderation.pending, blockingDeltaIds: batch.plan.blockingDeltaIds },
        });
        return { action: 'held' };
      }
      return carryUndecided(tx, batch);
    },
  });

  /** Publish what is decided at the batch's time; the undecided deltas go to a follow-up batch. */
  async function carryUndecided(tx: Tx, batch: NonNullable<Awaited<ReturnType<typeof getBatch>>>) {
    const deltas = await deltasOfBatch(tx, batch);
    const decisions = await decisionsFor(
      tx,
      deltas.map((d) => d.deltaId),
    );
    const latest = latestDecisions(decisions);
    const carried = deltas.filter((d) => d.safety.requiresModeration && !isCovered(d, latest));
    if (carried.length === 0) return { action: 'none' };
    const carriedIds = new Set(carried.map((d) => d.deltaId));
    const kept = deltas.filter((d) => !carriedIds.has(d.deltaId));
    await setBatchDeltas(
      tx,
      batch.batchId,
      kept.map((d) => d.deltaId),
      tx.now,
    );
    await releaseBatch(tx, deps.engine, batch, reevaluateGate(batch.plan, kept, decisions));
    const carryId = deps.ids.uuid();
    const carryPlan = reevaluateGate({ ...batch.plan, batchId: carryId }, carried, decisions);
    const carryJob = carryJobId(batch.jobId);
    await insertBatch(tx, carryPlan, carryJob, tx.now, {
      deltaIds: [...carriedIds],
      carriedFrom: batch.batchId,
    });
    await deps.engine.enqueue(tx, {
      workflow: batchWorkflowName,
      payload: { batchId: carryId, sessionId: batch.sessionId },
      idempotencyKey: `batch:${carryId}`,
      runAt: batch.scheduledAt,
    });
    await publishingAlerts.raise(tx, 'publish.batch_carried', {
      sessionId: batch.sessionId,
      causeKey: batchModerationCause(carryId),
      data: { batchId: carryId, carriedFrom: batch.batchId, deltaIds: [...carriedIds], pending: carried.length },
    });
    await resolveAlerts(tx, [batchModerationCause(batch.batchId)], 'carried');
    await publishingTopics.emit(tx, 'moderation.window.closed', {
      batchId: batch.batchId,
      sessionId: batch.sessionId,
      carriedTo: carryId,
      carried: carried.length,
    });
    return { action: `carried:${carried.length}` };
  }

  return {
    name: moderationDeadlineWorkflowName,
    steps: steps.steps,
    result: steps.result((outputs) => ({ action: outputs.act.action })),
  };
}
