import type { IdSource } from '../clock.js';
import { decisionsFor, getDelta, insertDecision, listDeltas, setDeltaStatus } from '../canon/delta-store.js';
import { listBatches, updateBatch } from '../canon/publishing-store.js';
import { getSession } from '../sessions/session-store.js';
import { buildModerationQueue, DECISION_STATUS, type ModerationAction, reevaluateGate } from '../domain/index.js';
import type { DurableEngine } from '../engine/engine.js';
import { AfterwordError, invalidInput } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Tx } from '../store/unit-of-work.js';
import { batchWorkflowName } from '../workflow/publishing-workflows.js';

const actions: readonly ModerationAction[] = ['approve', 'reject', 'rewrite', 'escalate'];

/**
 * Moderation decisions on world deltas. A decision that covers the last blocking delta of a batch
 * turns it `ready` in the same transaction, without re-running the closure workflow; if the
 * batch's time has already passed, its publishing job is scheduled now.
 */
export class ModerationService {
  constructor(private readonly deps: { store: Store; engine: DurableEngine; ids: IdSource }) {}

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
      await tx.emit('world.delta.decided', { ...decision, sessionId: delta.sessionId, status });
      const batch = await this.reevaluateBatch(tx, delta.jobId);
      return { delta: { ...delta, status }, decision, batch };
    });
  }

  private async reevaluateBatch(tx: Tx, jobId: string) {
    const [batch] = (await listBatches(tx, {})).filter((b) => b.jobId === jobId);
    if (batch?.status !== 'awaiting_moderation') return batch ?? null;
    const deltas = await listDeltas(tx, { jobId });
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
    await tx.run('UPDATE workflow_runs SET publishing_status = ?, updated_at = ? WHERE publishing_batch_id = ?', [
      'ready',
      tx.now,
      batch.batchId,
    ]);
    await tx.emit('telemetry.publish.batch.ready', {
      batchId: batch.batchId,
      sessionId: batch.sessionId,
      scheduledAt: batch.scheduledAt,
    });
    // If the batch job already ran and held the batch, schedule a release run now.
    const [held] = await tx.query<{ id: string }>(
      "SELECT id FROM jobs WHERE workflow = ? AND idempotency_key = ? AND status = 'completed'",
      [batchWorkflowName, `batch:${batch.batchId}`],
    );
    if (held) {
      await this.deps.engine.enqueue(tx, {
        workflow: batchWorkflowName,
        payload: { batchId: batch.batchId, sessionId: batch.sessionId },
        idempotencyKey: `batch:${batch.batchId}:released`,
        runAt: Math.max(tx.now, batch.scheduledAt),
      });
    }
    return { ...batch, status: 'ready' as const, plan };
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
