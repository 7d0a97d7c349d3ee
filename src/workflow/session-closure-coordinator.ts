import type { IdSource } from '../clock.js';
import type { AfterwordConfig } from '../config.js';
import { planCadence } from '../domain/index.js';
import type { Job } from '../engine/types.js';
import type { WorkflowEngine } from '../engine/workflow-engine.js';
import { AfterwordError } from '../errors.js';
import type { SessionMemory } from '../sessions/session-memory.js';
import { validateSessionId } from '../sessions/session-input.js';
import {
  bumpTranscript,
  getSession,
  inactiveSessionIds,
  insertTurns,
  lockSession,
  markClosed,
  markPendingReconcile,
} from '../sessions/session-store.js';
import { type ClosureTrigger, everySession, type SessionScope, type SessionSummary } from '../sessions/session-types.js';
import { GroupCommitter } from '../store/group-commit.js';
import type { Store } from '../store/store.js';
import type { EventBus } from '../telemetry/event-bus.js';
import type { Logger } from '../telemetry/logger.js';
import type { Tx } from '../telemetry/outbox.js';
import { currentTraceparent, inSpan, spanAttributes } from '../telemetry/tracing.js';
import type { StoredEvent } from '../telemetry/topics.js';
import { type ClosureJobPayload, closureWorkflowName, isClosureJob } from './closure-payload.js';
import { closureAlerts, closureTopics } from './closure-topics.js';

export interface CloseOptions {
  reason?: string | undefined;
  /** The actor: the authenticated principal (`role:name`), or `system`/`cli`/`demo` in-process. */
  closedBy?: string | undefined;
  /** A label the client supplied (display only; stored apart from the actor). */
  closedByLabel?: string | undefined;
  trigger?: ClosureTrigger | undefined;
  /** Whose sessions the caller may close (default: every session). */
  scope?: SessionScope | undefined;
}

export interface CloseOutcome {
  session: SessionSummary;
  job: Job<ClosureJobPayload>;
  /** false when the session was already closed and its existing job is returned. */
  created: boolean;
}

/**
 * SessionClosureCoordinator (spec section 2): closing a session records the closure, appends a
 * provenance turn and enqueues the closure job in ONE transaction. Re-closing returns the
 * existing job. Listeners of queued jobs run asynchronously; their errors are logged only.
 */
export class SessionClosureCoordinator {
  /**
   * Closures arriving together (many game servers, many HTTP requests) share one commit, each
   * isolated by a savepoint: one closure's failure rolls back only itself. Durability is
   * unchanged (each caller still waits for the commit); only the number of fsyncs drops.
   */
  private readonly committer: GroupCommitter<Tx>;

  constructor(
    private readonly deps: {
      store: Store<Tx>;
      engine: WorkflowEngine;
      sessions: SessionMemory;
      bus: EventBus;
      config: AfterwordConfig;
      ids: IdSource;
      logger: Logger;
    },
  ) {
    this.committer = new GroupCommitter(deps.store.runner);
  }

  /**
   * Close a session, traced: a `session.close` span whose context the closure job carries
   * (`payload.traceparent`), so the job's spans on any engine join the closing request's trace.
   */
  async closeSession(sessionIdInput: unknown, options: CloseOptions = {}): Promise<CloseOutcome> {
    const attributes = typeof sessionIdInput === 'string' ? { [spanAttributes.sessionId]: sessionIdInput } : {};
    return inSpan('session.close', { attributes }, async (span) => {
      // Read here, not inside the group commit: its units may run in another request's context.
      const outcome = await this.close(sessionIdInput, options, currentTraceparent());
      span.setAttribute(spanAttributes.jobId, outcome.job.jobId);
      span.setAttribute('afterword.closure.created', outcome.created);
      return outcome;
    });
  }

  private async close(sessionIdInput: unknown, options: CloseOptions, traceparent: string | undefined): Promise<CloseOutcome> {
    const sessionId = validateSessionId(sessionIdInput);
    const reason = options.reason?.trim() || 'session_closed';
    const closedBy = options.closedBy?.trim() || 'system';
    const closedByLabel = options.closedByLabel?.trim() || null;
    const scope = options.scope ?? everySession;
    const trigger = options.trigger ?? 'session_closed';
    if (reason.length > 500)
      throw new AfterwordError('invalid_input', 'reason: must be at most 500 characters', {
        issues: [{ field: 'reason', reason: 'must be at most 500 characters' }],
      });
    const { engine, ids, config } = this.deps;
    let enqueueFailed: unknown;
    try {
      const outcome = await this.committer.submit(async (tx) => {
        // Locked: an append waiting on this row sees the session closed (409), never a stale seq.
        const session = await lockSession(tx, this.deps.store.fragments, sessionId, scope);
        if (!session)
          throw new AfterwordError('session_not_found', `session ${sessionId} does not exist`, { details: { sessionId } });
        if (session.status === 'closed') return { jobId: session.lastClosureJobId, created: false };
        const auditRef = `session.close:${sessionId}:${ids.uuid()}`;
        const jobId = ids.uuid();
        const closedAt = tx.now;
        const cadence = planCadence(closedAt, config.cadence);
        const closed = await markClosed(tx, {
          sessionId,
          closedAt,
          closedBy,
          closedByLabel,
          reason,
          trigger,
          auditRef,
          jobId,
          cadence,
        });
        if (!closed) {
          // Lost a race with another closure: return the winner's job.
          const winner = await getSession(tx, sessionId);
          return { jobId: winner?.lastClosureJobId ?? null, created: false };
        }
        // A system turn records the closure in the transcript itself, for provenance.
        const text = `Session closed by ${closedBy}: ${reason}`;
        await insertTurns(tx, sessionId, session.turnCount + 1, [
          {
            turnId: `closure.${jobId}`,
            sceneId: null,
            actId: null,
            speaker: 'system',
            text,
            timestamp: closedAt,
            metadata: { auditRef, closure: true },
          },
        ]);
        await bumpTranscript(tx, sessionId, 1, text.length, closedAt);
        const pendingChecks = Array.isArray(session.context.pendingChecks) ? session.context.pendingChecks.length : 0;
        const payload: ClosureJobPayload = {
          sessionId,
          trigger,
          auditRef,
          reason,
          closedBy,
          closedAt,
          momentum: session.context.momentum ?? null,
          changeCursor: closed.closureCursor ?? closed.changeCursor,
          lastAckCursor: closed.lastAckCursor,
          pendingChecks,
          ...(traceparent ? { traceparent } : {}),
        };
        try {
          await engine.enqueue(tx, {
            workflow: closureWorkflowName,
            jobId,
            payload,
            idempotencyKey: auditRef,
            concurrencyKey: sessionId,
          });
        } catch (error) {
          enqueueFailed = error;
          throw error;
        }
        const status = { sessionId, status: 'closed', closedAt, auditRef, pendingOffline: true, cadence };
        await closureTopics.emit(tx, 'session.statusChanged', status);
        await closureTopics.emit(tx, 'session.closed', {
          ...status,
          reason,
          closedBy,
          trigger,
          jobId,
          momentum: payload.momentum,
          pendingChecks,
        });
        return { jobId, created: true };
      });
      const job = outcome.jobId ? await engine.getJob(outcome.jobId) : null;
      if (!job || !isClosureJob(job)) {
        throw new AfterwordError('internal', `session ${sessionId} is closed but its closure job is missing`);
      }
      return {
        session: await this.deps.sessions.summary(sessionId, scope),
        job,
        created: outcome.created,
      };
    } catch (error) {
      if (enqueueFailed) await this.reportEnqueueFailure(sessionId, enqueueFailed);
      throw error;
    }
  }

  private async reportEnqueueFailure(sessionId: string, error: unknown): Promise<void> {
    this.deps.logger.error({ err: error, sessionId }, 'closure could not be queued; the session stays open');
    await this.deps.store
      .transact((tx) =>
        closureAlerts.raise(tx, 'offline.enqueue_failed', { sessionId, data: { message: (error as Error).message } }),
      )
      .catch((alertError) => this.deps.logger.error({ err: alertError }, 'could not persist enqueue_failed alert'));
  }

  /** An operator's manual re-run of a closed session's workflow (trigger `manual`). */
  async rerun(sessionIdInput: unknown, actor = 'operator'): Promise<CloseOutcome> {
    const sessionId = validateSessionId(sessionIdInput);
    const { store, engine, ids } = this.deps;
    const { job, created } = await store.transact(async (tx) => {
      const session = await lockSession(tx, store.fragments, sessionId);
      if (!session) throw new AfterwordError('session_not_found', `session ${sessionId} does not exist`);
      if (session.status !== 'closed')
        throw new AfterwordError('invalid_input', `session ${sessionId} is not closed; close it first`, {
          issues: [{ field: 'sessionId', reason: 'session is not closed' }],
        });
      const auditRef = `session.rerun:${sessionId}:${ids.uuid()}`;
      const payload: ClosureJobPayload = {
        sessionId,
        trigger: 'manual',
        auditRef,
        reason: `manual re-run by ${actor}`,
        closedBy: session.closedBy ?? actor,
        closedAt: session.closedAt ?? tx.now,
        momentum: session.context.momentum ?? null,
        changeCursor: session.closureCursor ?? session.changeCursor,
        lastAckCursor: session.lastAckCursor,
        pendingChecks: 0,
      };
      const result = await engine.enqueue(tx, {
        workflow: closureWorkflowName,
        payload,
        idempotencyKey: auditRef,
        concurrencyKey: sessionId,
      });
      if (result.created) await markPendingReconcile(tx, sessionId, result.job.jobId, tx.now);
      return result;
    });
    return { session: await this.deps.sessions.summary(sessionId), job, created };
  }

  /** Close sessions idle past `closure.inactivityMs` (trigger `inactivity`). Returns how many. */
  async closeInactive(now: number): Promise<number> {
    const ids = await inactiveSessionIds(this.deps.store.driver, now - this.deps.config.closure.inactivityMs, 500);
    for (const id of ids) await this.closeSession(id, { reason: 'inactivity', closedBy: 'system', trigger: 'inactivity' });
    return ids.length;
  }

  /** Listen for queued closure jobs; returns an unsubscribe function. */
  onJobQueued(listener: (event: StoredEvent['payload'], raw: StoredEvent) => void | Promise<void>): () => void {
    return this.deps.bus.subscribe({ topics: ['offline.sessionClosure.queued'] }, (event) => listener(event.payload, event));
  }
}
