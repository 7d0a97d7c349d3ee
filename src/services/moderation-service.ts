import type { IdSource } from '../clock.js';
import { decisionsFor, deltasOfJob, getDelta, insertDecision, listDeltas, setDeltaStatus } from '../canon/delta-store.js';
import { batchOfJob, updateBatch } from '../canon/publishing-store.js';
import { buildModerationQueue, DECISION_STATUS, type ModerationAction, reevaluateGate } from '../domain/index.js';
import type { WorkflowEngine } from '../engine/workflow-engine.js';
import { AfterwordError, invalidInput } from '../errors.js';
import { getSession } from '../sessions/session-store.js';
import type { Store } from '../store/store.js';
import type { Tx } from '../telemetry/outbox.js';
import { publishingTopics } from '../workflow/publishing-topics.js';
import { batchGateOpenedSignal, batchWorkflowName } from '../workflow/publishing-workflows.js';

const actions: readonly ModerationAction[] = ['approve', 'reject', 'rewrite', 'escalate'];

/**
 * Moderation decisions on world deltas. A decision that covers the last blocking delta of a batch
 * turns it `ready` in the same transaction, without re-running the closure workflow, and signals
 * the batch's publishing job, which goes on at once if it was waiting at the gate (and otherwise
 * still publishes at its scheduled time).
 */
export class ModerationService {
  constructor(private readonly deps: { store: Store<Tx>; engine: WorkflowEngine; ids: IdSource }) {}

  list(query: { status?: string | undefined; sessionId?: string | undefined; limit?: number | undefined }) {
    return listDeltas(this.deps.store.driver, query);
  }

  async get(deltaId: string) {
    const delta = await getDelta(this.deps.store.driver, deltaId);
    if (!delta) throw new AfterwordError('delta_not_found', `delta ${deltaId} does not exist`);
    const decisions = await decisionsFor(this.deps.store.driver, [deltaId]);
    return { ...delta, decisions };
  }

  async decide(deltaId: string, input: { decision: unknown; actor: string; note?: string | undefined }) {
    if (typeof input.decision !== 'string' || !actions.includes(input.decision as ModerationAction)) {
      throw invalidInput([{ field: 'decision', reason: `must be one of ${actions.join(', ')}` }]);
    }
    if (input.note !== undefined && (typeof input.note !== 'string' || input.note.length > 2000)) {
      throw invalidInput([{ field: 'note', reason: 'must be a string of at most 2000 characters' }]);
    }
    const action = input.decision as ModerationAction;
    return this.deps.store.transact(async (tx) => {
      const delta = await getDelta(tx, deltaId);
      if (!delta) throw new AfterwordError('delta_not_found', `delta ${deltaId} does not exist`);
      if (delta.appliedAt) throw new AfterwordError('delta_already_decided', `delta ${deltaId} was already applied to canon`);
      const decision = {
        deltaId,
        decision: action,
        actor: input.actor,
        decidedAt: tx.now,
        ...(input.note ? { note: input.note } : {}),
      };
      await insertDecision(tx, this.deps.ids.uuid(), decision);
      const status = DECISION_STATUS[action];
      await setDeltaStatus(tx, deltaId, status, tx.now);
      await publishingTopics.emit(tx, 'world.delta.decided', { ...decision, sessionId: delta.sessionId, status });
      const batch = await this.reevaluateBatch(tx, delta.jobId);
      return { delta: { ...delta, status }, decision, batch };
    });
  }

  private async reevaluateBatch(tx: Tx, jobId: string) {
    const batch = await batchOfJob(tx, jobId);
    if (batch?.status !== 'awaiting_moderation') return batch ?? null;
    const deltas = await deltasOfJob(tx, jobId);
    const decisions = await decisionsFor(
      tx,
      deltas.map((d) => d.deltaId),
    );
    const plan = reevaluateGate(batch.plan, deltas, decisions);
    if (plan.status !== 'ready') {
      await updateBatch(tx, { ...batch, plan }, tx.now);
      return { ...batch, plan };
    }
    await updateBatch(tx, { batchId: batch.batchId, status: 'ready', plan, scheduledAt: batch.scheduledAt }, tx.now);
    await publishingTopics.emit(tx, 'telemetry.publish.batch.ready', {
      batchId: batch.batchId,
      sessionId: batch.sessionId,
      scheduledAt: batch.scheduledAt,
    });
    await this.openGate(tx, batch.batchId, batch.sessionId, batch.scheduledAt);
    return { ...batch, status: 'ready' as const, plan };
  }

  /** Tell the batch's publishing job its gate opened. */
  private async openGate(tx: Tx, batchId: string, sessionId: string, scheduledAt: number): Promise<void> {
    const { engine } = this.deps;
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

  /** The session's moderation queue: countdown to the window's end, reasons, conflicts. */
  async queue(sessionId: string, now: number) {
    const session = await getSession(this.deps.store.driver, sessionId);
    if (!session) throw new AfterwordError('session_not_found', `session ${sessionId} does not exist`);
    if (!session.cadence) return { sessionId, items: [], pending: 0 };
    const deltas = await listDeltas(this.deps.store.driver, { sessionId });
    const decisions = await decisionsFor(
      this.deps.store.driver,
      deltas.map((d) => d.deltaId),
    );
    return buildModerationQueue(deltas, decisions, session.cadence, now);
  }
}
