import type { AfterwordConfig } from '../config.js';
import { decodeCursor, encodeCursor } from '../cursors.js';
import { findUnsafeValues } from '../domain/index.js';
import { AfterwordError, invalidInput } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Tx } from '../telemetry/outbox.js';
import { parseChanges, parseContext, parseTurns, validateSessionId } from './session-input.js';
import {
  appendChange,
  bumpTranscript,
  existingTurnTexts,
  getSession,
  insertSession,
  insertTurns,
  listSessions,
  loadTurns,
  lockSession,
  updateSessionContext,
} from './session-store.js';
import { sessionTopics } from './session-topics.js';
import {
  everySession,
  type Page,
  type RunHistory,
  type SessionRecord,
  type SessionScope,
  type SessionSummary,
  type StoredTurn,
  type WorkflowRun,
} from './session-types.js';

export interface AppendTurnsResult {
  sessionId: string;
  appended: number;
  duplicates: number;
  turnCount: number;
}

/**
 * Session memory (spec section 1): sessions, idempotent turn appends, the change feed and the
 * directory summary. Every write validates the whole input first and runs in one transaction,
 * so bad input writes nothing.
 */
export class SessionMemory {
  constructor(
    private readonly store: Store<Tx>,
    private readonly config: AfterwordConfig,
    private readonly runs: RunHistory,
  ) {}

  /** The session as `scope` may see it: `session_not_found`, or `forbidden` when it is not the caller's. */
  async requireSession(db: Tx | Store['driver'], sessionId: string, scope: SessionScope = everySession): Promise<SessionRecord> {
    return found(sessionId, await getSession(db, sessionId, scope));
  }

  /** The session, its row locked until `tx` ends (see `lockSession`). */
  async lockSession(tx: Tx, sessionId: string, scope: SessionScope = everySession): Promise<SessionRecord> {
    return found(sessionId, await lockSession(tx, this.store.fragments, sessionId, scope));
  }

  /**
   * Create a session or replace its metadata. Returns whether it was created. A session created
   * in an owner's scope belongs to that owner; in the unscoped one, to nobody. Replacing the
   * metadata of a session the scope does not own is `forbidden`: an owner never claims one.
   */
  async upsert(
    sessionIdInput: unknown,
    contextInput: unknown,
    scope: SessionScope = everySession,
  ): Promise<{ session: SessionSummary; created: boolean }> {
    const sessionId = validateSessionId(sessionIdInput);
    this.refuseUnsafe(contextInput, 'context');
    const context = parseContext(contextInput);
    const created = await this.store.transact(async (tx) => {
      const inserted = await insertSession(tx, sessionId, context, tx.now, scope.kind === 'owner' ? scope.owner : null);
      if (!inserted) {
        const existing = await this.lockSession(tx, sessionId, scope);
        if (existing.status === 'closed') {
          throw new AfterwordError('session_closed', `session ${sessionId} is closed; its metadata can no longer change`);
        }
        await updateSessionContext(tx, sessionId, context, tx.now);
      } else {
        await sessionTopics.emit(tx, 'session.created', { sessionId, createdAt: tx.now });
      }
      return inserted;
    });
    return { session: await this.summary(sessionId, scope), created };
  }

  /**
   * Append turns idempotently by turnId: a repeat with the same text is skipped, a repeat with
   * different text is refused (`turn_conflict`) and the whole batch writes nothing.
   */
  async appendTurns(
    sessionIdInput: unknown,
    rawTurns: unknown,
    field = 'turns',
    scope: SessionScope = everySession,
  ): Promise<AppendTurnsResult> {
    const sessionId = validateSessionId(sessionIdInput);
    const limits = this.config.limits;
    this.refuseUnsafe(rawTurns, field);
    const turns = parseTurns(rawTurns, Date.now(), limits, field);
    return this.store.transact(async (tx) => {
      const session = await this.lockSession(tx, sessionId, scope);
      if (session.status === 'closed') {
        throw new AfterwordError('session_closed', `session ${sessionId} is closed; turns can no longer be appended`);
      }
      return this.appendTurnsInTx(tx, session, turns, field);
    });
  }

  async appendTurnsInTx(
    tx: Tx,
    session: SessionRecord,
    turns: Awaited<ReturnType<typeof parseTurns>>,
    field = 'turns',
  ): Promise<AppendTurnsResult> {
    const existing = await existingTurnTexts(
      tx,
      session.sessionId,
      turns.map((t) => t.turnId),
    );
    const fresh = [];
    const seenInBatch = new Set<string>();
    for (const [index, turn] of turns.entries()) {
      const stored = existing.get(turn.turnId);
      if (stored !== undefined) {
        if (stored !== turn.text) {
          throw new AfterwordError(
            'turn_conflict',
            `${field}[${index}].turnId: turn "${turn.turnId}" already exists with different text`,
            {
              issues: [
                { field: `${field}[${index}].turnId`, reason: `turn "${turn.turnId}" already exists with different text` },
              ],
              retryable: false,
            },
          );
        }
        continue;
      }
      if (seenInBatch.has(turn.turnId)) continue;
      seenInBatch.add(turn.turnId);
      fresh.push(turn);
    }
    const limit = this.config.limits.maxTurnsPerSession;
    if (session.turnCount + fresh.length > limit) {
      throw new AfterwordError(
        'transcript_too_large',
        `${field}: session ${session.sessionId} would have ${session.turnCount + fresh.length} turns; the limit is ${limit}`,
        { issues: [{ field, reason: `transcript would exceed ${limit} turns` }], retryable: false },
      );
    }
    const chars = fresh.reduce((n, t) => n + t.text.length, 0);
    await insertTurns(tx, session.sessionId, session.turnCount + 1, fresh);
    await bumpTranscript(tx, session.sessionId, fresh.length, chars, tx.now);
    if (fresh.length > 0) {
      await sessionTopics.emit(tx, 'session.turnsAppended', {
        sessionId: session.sessionId,
        appended: fresh.length,
        turnCount: session.turnCount + fresh.length,
      });
    }
    return {
      sessionId: session.sessionId,
      appended: fresh.length,
      duplicates: turns.length - fresh.length,
      turnCount: session.turnCount + fresh.length,
    };
  }

  /**
   * Import a whole session (metadata, turns, change feed) in ONE transaction: either all of it
   * is written or, on any bad field, nothing is.
   */
  async importSession(doc: { sessionId: unknown; context: unknown; turns: unknown; changeFeed?: unknown }) {
    const sessionId = validateSessionId(doc.sessionId);
    this.refuseUnsafe(doc, '');
    const context = parseContext(doc.context);
    const turns = parseTurns(doc.turns ?? [], Date.now(), this.config.limits);
    const changes = parseChanges(doc.changeFeed ?? [], 'changeFeed');
    return this.store.transact(async (tx) => {
      const created = await insertSession(tx, sessionId, context, tx.now);
      const session = await this.lockSession(tx, sessionId);
      if (session.status === 'closed')
        throw new AfterwordError('session_closed', `session ${sessionId} is closed; it cannot be imported again`);
      if (!created) await updateSessionContext(tx, sessionId, context, tx.now);
      else await sessionTopics.emit(tx, 'session.created', { sessionId, createdAt: tx.now });
      const appended = await this.appendTurnsInTx(tx, session, turns);
      this.assertChangeRoom(session, changes.length, 'changeFeed');
      const cursors: number[] = [];
      for (const change of changes) cursors.push(await appendChange(tx, sessionId, change, tx.now));
      return { ...appended, created, changes: cursors.length };
    });
  }

  /** Append change-feed entries; each gets the next cursor. */
  async appendChanges(
    sessionIdInput: unknown,
    raw: unknown,
    field = 'changes',
    scope: SessionScope = everySession,
  ): Promise<{ sessionId: string; cursors: number[] }> {
    const sessionId = validateSessionId(sessionIdInput);
    this.refuseUnsafe(raw, field);
    const changes = parseChanges(raw, field);
    return this.store.transact(async (tx) => {
      // Changes may still arrive after closure (late client events); reconciliation acknowledges
      // only up to the cursor captured at closure, so these stay unacknowledged.
      const session = await this.lockSession(tx, sessionId, scope);
      this.assertChangeRoom(session, changes.length, field);
      const cursors: number[] = [];
      for (const change of changes) cursors.push(await appendChange(tx, sessionId, change, tx.now));
      return { sessionId, cursors };
    });
  }

  /**
   * Refuse what the stores cannot keep alike (NUL, numbers beyond 2^53, nesting beyond
   * `limits.maxJsonDepth`) before parsing: the HTTP input guard catches it first, this catches
   * every other caller of the application API (import, demo, CLI).
   */
  private refuseUnsafe(value: unknown, field: string): void {
    const issues = findUnsafeValues(value, field, { maxDepth: this.config.limits.maxJsonDepth });
    if (issues.length > 0) throw invalidInput(issues);
  }

  /**
   * A session's change feed holds at most `limits.maxChangesPerSession` entries. Checked under
   * the session's row lock (its change cursor counts the entries), so concurrent appends cannot
   * overshoot it together.
   */
  private assertChangeRoom(session: SessionRecord, adding: number, field: string): void {
    const limit = this.config.limits.maxChangesPerSession;
    if (adding > 0 && session.changeCursor + adding > limit) {
      throw new AfterwordError(
        'change_feed_too_large',
        `${field}: session ${session.sessionId} would have ${session.changeCursor + adding} change entries; the limit is ${limit} (limits.maxChangesPerSession)`,
        { issues: [{ field, reason: `the change feed would exceed ${limit} entries` }], retryable: false },
      );
    }
  }

  /** The directory summary (spec section 1), including `offlineLastRun` and the cadence. */
  async summary(sessionIdInput: string, scope: SessionScope = everySession): Promise<SessionSummary> {
    const sessionId = validateSessionId(sessionIdInput);
    const db = this.store.driver;
    const session = await this.requireSession(db, sessionId, scope);
    const { runs, total } = await this.runs.page(sessionId, 1);
    return toSummary(session, runs[0] ?? null, total);
  }

  /** Sessions `scope` may see (an owner's: only its own, filtered in SQL so pages stay full). */
  async list(
    query: {
      status?: 'active' | 'closed' | undefined;
      limit?: number | undefined;
      cursor?: string | undefined;
    },
    scope: SessionScope = everySession,
  ): Promise<Page<SessionSummary>> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const before = decodeCursor('sessions', query.cursor);
    const sessions = await listSessions(this.store.driver, { status: query.status, scope, before, limit });
    const items = [];
    for (const session of sessions) items.push(toSummary(session, await this.runs.latest(session.sessionId), -1));
    const last = sessions[sessions.length - 1];
    return {
      items,
      nextCursor:
        sessions.length === limit && last
          ? encodeCursor('sessions', { updatedAt: last.updatedAt, sessionId: last.sessionId })
          : null,
    };
  }

  async transcript(
    sessionIdInput: string,
    afterSeq = 0,
    limit = 1000,
    scope: SessionScope = everySession,
  ): Promise<StoredTurn[]> {
    const sessionId = validateSessionId(sessionIdInput);
    await this.requireSession(this.store.driver, sessionId, scope);
    return loadTurns(this.store.driver, sessionId, afterSeq, Math.min(Math.max(limit, 1), 10_000));
  }

  /** Workflow run history, newest first, paginated; `total` says how many are kept. */
  async history(
    sessionIdInput: string,
    query: { limit?: number | undefined; cursor?: string | undefined } = {},
    scope: SessionScope = everySession,
  ): Promise<Page<WorkflowRun>> {
    const sessionId = validateSessionId(sessionIdInput);
    await this.requireSession(this.store.driver, sessionId, scope);
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const before = decodeCursor('history', query.cursor);
    const { runs, total, next } = await this.runs.page(sessionId, limit, before);
    return { items: runs, total, nextCursor: next === null ? null : encodeCursor('history', next) };
  }
}

function found(sessionId: string, session: SessionRecord | null): SessionRecord {
  if (!session) throw new AfterwordError('session_not_found', `session ${sessionId} does not exist`, { details: { sessionId } });
  return session;
}

export function toSummary(session: SessionRecord, latest: WorkflowRun | null, historyCount: number): SessionSummary {
  return {
    ...session,
    offlinePending: session.pendingOfflineReconcile,
    offlineLastRun: latest
      ? {
          status: latest.status,
          completedAt: latest.completedAt,
          // A duration of 0 stays 0 (spec section 9): only a missing duration is null.
          durationMs: latest.durationMs,
          summaryVersion: latest.summaryVersion,
        }
      : null,
    lastOfflineWorkflowRun: latest,
    historyCount,
    publishing: session.cadence
      ? {
          nextBatchAt: session.cadence.nextBatchAt,
          nextDigestAt: session.cadence.nextDigestAt,
          moderationWindow: session.cadence.moderationWindow,
        }
      : null,
  };
}
