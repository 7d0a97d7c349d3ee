import { decisionsFor, deltasOfBatch } from '../canon/delta-store.js';
import { type StoredBatch, updateBatch } from '../canon/publishing-store.js';
import { type PublishingPlan, reevaluateGate } from '../domain/index.js';
import type { WorkflowEngine } from '../engine/workflow-engine.js';
import { resolveAlerts } from '../telemetry/alert-lifecycle.js';
import type { Tx } from '../telemetry/outbox.js';
import { batchHeldCause, batchModerationCause } from './moderation-causes.js';
import { publishingTopics } from './publishing-topics.js';
import { batchGateOpenedSignal, batchWorkflowName } from './publishing-workflows.js';

/**
 * The publishing gate, re-evaluated inside the caller's transaction (a decision, a bulk decision,
 * the window closing): the plan is recomputed from the batch's deltas and decisions; when nothing
 * blocks any more the batch turns `ready`, its review alerts are resolved and its job is signalled.
 */
export async function reevaluateBatch(tx: Tx, engine: WorkflowEngine, batch: StoredBatch): Promise<StoredBatch> {
  if (batch.status !== 'awaiting_moderation') return batch;
  const deltas = await deltasOfBatch(tx, batch);
  const decisions = await decisionsFor(
    tx,
    deltas.map((d) => d.deltaId),
  );
  const plan = reevaluateGate(batch.plan, deltas, decisions);
  if (plan.status !== 'ready') {
    await updateBatch(tx, { ...batch, plan }, tx.now);
    return { ...batch, plan };
  }
  return releaseBatch(tx, engine, batch, plan);
}

/** Turn a batch `ready` with `plan`, resolve its review alerts and tell its job the gate opened. */
export async function releaseBatch(tx: Tx, engine: WorkflowEngine, batch: StoredBatch, plan: PublishingPlan) {
  await updateBatch(tx, { batchId: batch.batchId, status: 'ready', plan, scheduledAt: batch.scheduledAt }, tx.now);
  await publishingTopics.emit(tx, 'telemetry.publish.batch.ready', {
    batchId: batch.batchId,
    sessionId: batch.sessionId,
    scheduledAt: batch.scheduledAt,
  });
  await resolveAlerts(tx, [batchModerationCause(batch.batchId), batchHeldCause(batch.batchId)], 'batch_ready');
  await openGate(tx, engine, batch.batchId, batch.sessionId, batch.scheduledAt);
  return { ...batch, status: 'ready' as const, plan };
}

/** Tell the batch's publishing job its gate opened. */
async function openGate(tx: Tx, engine: WorkflowEngine, batchId: string, sessionId: string, scheduledAt: number) {
  const [job] = await engine.listJobs({ workflow: batchWorkflowName, idempotencyKey: `batch:${batchId}`, limit: 1 }, tx);
  if (!job) return;
  if (job.status === 'completed' && job.result?.held === true) {
    // A batch job of an earlier version completed "held" instead of waiting: run a release job.
    await engine.enqueue(tx, {
      workflow: batchWorkflowName,
      payload: { batchId, sessionId },
      idempotencyKey: `batch:${batchId}:released`,
      runAt: Math.max(tx.now, scheduledAt),
    });
    return;
  }
  await engine.signal(tx, job.jobId, batchGateOpenedSignal, { batchId });
}
