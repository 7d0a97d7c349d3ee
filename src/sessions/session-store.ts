import type { ChangeFeedEntry, SessionContext, Turn } from '../domain/index.js';
import { insertRows } from '../store/insert-rows.js';
import {
  placeholders,
  readInt,
  readJson,
  readOptionalInt,
  type Row,
  type SqlExecutor,
  type SqlFragments,
} from '../store/ports.js';
import { AfterwordError } from '../errors.js';
import type { SessionRecord, SessionScope, StoredTurn } from './session-types.js';

/** SQL for session memory: sessions, turns and the change feed (their one owner). */

export function rowToSession(row: Row): SessionRecord {
  return {
    sessionId: String(row.id),
    status: row.status as SessionRecord['status'],
    owner: (row.owner as string | null) ?? null,
    context: readJson<SessionContext>(row.context, {}),
    createdAt: readInt(row.created_at),
    updatedAt: readInt(row.updated_at),
    lastActivityAt: readInt(row.last_activity_at),
    turnCount: readInt(row.turn_count),
    transcriptChars: readInt(row.transcript_chars),
    changeCursor: readInt(row.change_cursor),
    lastAckCursor: readInt(row.last_ack_cursor),
    closedAt: readOptionalInt(row.closed_at),
    closedBy: (row.closed_by as string | null) ?? null,
    closedByLabel: (row.closed_by_label as string | null) ?? null,
    closureReason: (row.closure_reason as string | null) ?? null,
    closureTrigger: (row.closure_trigger as SessionRecord['closureTrigger']) ?? null,
    lastClosureAuditRef: (row.last_closure_audit_ref as string | null) ?? null,
    lastClosureJobId: (row.last_closure_job_id as string | null) ?? null,
    closureCursor: readOptionalInt(row.closure_cursor),
    pendingOfflineReconcile: readInt(row.pending_offline_reconcile) === 1,
    offlineReconciledAt: readOptionalInt(row.offline_reconciled_at),
    offlineReconcileAuditRef: (row.offline_reconcile_audit_ref as string | null) ?? null,
    cadence: readJson(row.cadence, null),
  };
}

/** The ownership rule as SQL: a scoped caller sees only the rows its name owns. */
function scopeFilter(scope: SessionScope): { sql: string; params: unknown[] } {
  return scope.kind === 'all' ? { sql: '', params: [] } : { sql: ' AND owner = ?', params: [scope.owner] };
}

/**
 * The session row `id` as `scope` may see it. A miss is `session_not_found` when no such session
 * exists and `forbidden` when it exists but is not the caller's (a gm learns only that the id is
 * taken, which creating it would tell anyway); null only when asked not to throw.
 */
async function selectSession(
  db: SqlExecutor,
  sessionId: string,
  scope: SessionScope,
  lockClause: string,
): Promise<SessionRecord | null> {
  const filter = scopeFilter(scope);
  const rows = await db.query(`SELECT * FROM sessions WHERE id = ?${filter.sql}${lockClause}`, [sessionId, ...filter.params]);
  if (rows[0]) return rowToSession(rows[0]);
  if (scope.kind === 'all') return null;
  const exists = await db.query('SELECT 1 AS found FROM sessions WHERE id = ?', [sessionId]);
  if (exists.length > 0) {
    throw new AfterwordError(
      'forbidden',
      `session ${sessionId} is not owned by ${scope.owner}; a gm works only on its own sessions`,
      {
        details: { sessionId },
      },
    );
  }
  return null;
}

export async function getSession(
  db: SqlExecutor,
  sessionId: string,
  scope: SessionScope = { kind: 'all' },
): Promise<SessionRecord | null> {
  return selectSession(db, sessionId, scope, '');
}

/**
 * Read a session and lock its row until the transaction ends: every write that reads the
 * session to decide (the next turn's seq, whether it is still open) takes this first, so
 * concurrent appends, retries and closes of one session take turns instead of racing.
 */
export async function lockSession(
  db: SqlExecutor,
  fragments: Pick<SqlFragments, 'rowLockClause'>,
  sessionId: string,
  scope: SessionScope = { kind: 'all' },
): Promise<SessionRecord | null> {
  return selectSession(db, sessionId, scope, fragments.rowLockClause);
}

/** Insert a new session owned by `owner` (null: no gm owns it); false when the id is taken. */
export async function insertSession(
  db: SqlExecutor,
  sessionId: string,
  context: SessionContext,
  now: number,
  owner: string | null = null,
): Promise<boolean> {
  const result = await db.run(
    `INSERT INTO sessions (id, status, owner, context, created_at, updated_at, last_activity_at) VALUES (?, 'active', ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
    [sessionId, owner, JSON.stringify(context), now, now, now],
  );
  return result.changes === 1;
}

export async function updateSessionContext(
  db: SqlExecutor,
  sessionId: string,
  context: SessionContext,
  now: number,
): Promise<void> {
  await db.run('UPDATE sessions SET context = ?, updated_at = ?, last_activity_at = ? WHERE id = ?', [
    JSON.stringify(context),
    now,
    now,
    sessionId,
  ]);
}

export interface SessionListQuery {
  status?: SessionRecord['status'] | undefined;
  scope: SessionScope;
  /** Sessions updated before this instant / id pair (newest first). */
  before?: { updatedAt: number; sessionId: string } | undefined;
  limit: number;
}

export async function listSessions(db: SqlExecutor, query: SessionListQuery): Promise<SessionRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.status) where.push('status = ?'), params.push(query.status);
  if (query.scope.kind === 'owner') where.push('owner = ?'), params.push(query.scope.owner);
  if (query.before) {
    where.push('(updated_at < ? OR (updated_at = ? AND id < ?))');
    params.push(query.before.updatedAt, query.before.updatedAt, query.before.sessionId);
  }
  const rows = await db.query(
    `SELECT * FROM sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, id DESC LIMIT ?`,
    [...params, query.limit],
  );
  return rows.map(rowToSession);
}

/** Texts of already stored turns among `turnIds` (to tell idempotent repeats from conflicts). */
export async function existingTurnTexts(db: SqlExecutor, sessionId: string, turnIds: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let i = 0; i < turnIds.length; i += 500) {
    const chunk = turnIds.slice(i, i + 500);
    const rows = await db.query<{ turn_id: string; text: string }>(
      `SELECT turn_id, text FROM turns WHERE session_id = ? AND turn_id IN (${placeholders(chunk.length)})`,
      [sessionId, ...chunk],
    );
    for (const row of rows) found.set(row.turn_id, row.text);
  }
  return found;
}

export async function insertTurns(db: SqlExecutor, sessionId: string, firstSeq: number, turns: Turn[]): Promise<void> {
  await insertRows(
    db,
    'turns',
    ['session_id', 'seq', 'turn_id', 'scene_id', 'act_id', 'speaker', 'text', 'spoken_at', 'metadata'],
    turns.map((turn, i) => [
      sessionId,
      firstSeq + i,
      turn.turnId,
      turn.sceneId,
      turn.actId,
      turn.speaker,
      turn.text,
      turn.timestamp,
      JSON.stringify(turn.metadata),
    ]),
  );
}

export async function bumpTranscript(
  db: SqlExecutor,
  sessionId: string,
  turns: number,
  chars: number,
  now: number,
): Promise<void> {
  await db.run(
    `UPDATE sessions SET turn_count = turn_count + ?, transcript_chars = transcript_chars + ?, updated_at = ?, last_activity_at = ?
     WHERE id = ?`,
    [turns, chars, now, now, sessionId],
  );
}

export async function loadTurns(db: SqlExecutor, sessionId: string, afterSeq = 0, limit = 1_000_000): Promise<StoredTurn[]> {
  const rows = await db.query('SELECT * FROM turns WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?', [
    sessionId,
    afterSeq,
    limit,
  ]);
  return rows.map((r) => ({
    seq: readInt(r.seq),
    turnId: String(r.turn_id),
    sceneId: (r.scene_id as string | null) ?? null,
    actId: (r.act_id as string | null) ?? null,
    speaker: r.speaker as Turn['speaker'],
    text: String(r.text),
    timestamp: readInt(r.spoken_at),
    metadata: readJson(r.metadata, {}),
  }));
}

export async function appendChange(
  db: SqlExecutor,
  sessionId: string,
  entry: Omit<ChangeFeedEntry, 'cursor' | 'createdAt'>,
  now: number,
): Promise<number> {
  const [row] = await db.query<{ change_cursor: number }>(
    'UPDATE sessions SET change_cursor = change_cursor + 1, updated_at = ? WHERE id = ? RETURNING change_cursor',
    [now, sessionId],
  );
  const cursor = readInt(row?.change_cursor);
  await db.run(
    `INSERT INTO session_changes (session_id, cursor, kind, payload, safety_flags, capability_refs, severity, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      sessionId,
      cursor,
      entry.kind,
      JSON.stringify(entry.payload),
      JSON.stringify(entry.safetyFlags),
      JSON.stringify(entry.capabilityRefs),
      entry.severity ?? null,
      now,
    ],
  );
  return cursor;
}

/** The change feed up to and including `uptoCursor` (the closure's captured cursor). */
export async function loadChanges(db: SqlExecutor, sessionId: string, uptoCursor: number): Promise<ChangeFeedEntry[]> {
  const rows = await db.query('SELECT * FROM session_changes WHERE session_id = ? AND cursor <= ? ORDER BY cursor', [
    sessionId,
    uptoCursor,
  ]);
  return rows.map((r) => ({
    cursor: readInt(r.cursor),
    kind: String(r.kind),
    payload: readJson(r.payload, {}),
    safetyFlags: readJson<string[]>(r.safety_flags, []),
    capabilityRefs: readJson<string[]>(r.capability_refs, []),
    ...(r.severity ? { severity: r.severity as NonNullable<ChangeFeedEntry['severity']> } : {}),
    createdAt: readInt(r.created_at),
  }));
}

export interface ClosureUpdate {
  sessionId: string;
  closedAt: number;
  closedBy: string;
  closedByLabel: string | null;
  reason: string;
  trigger: string;
  auditRef: string;
  jobId: string;
  cadence: unknown;
}

/**
 * Close an active session. Conditional on `status = 'active'` so two racing closures cannot both
 * succeed: the loser sees null and returns the winner's job.
 */
export async function markClosed(db: SqlExecutor, update: ClosureUpdate): Promise<SessionRecord | null> {
  const rows = await db.query(
    `UPDATE sessions SET status = 'closed', closed_at = ?, closed_by = ?, closed_by_label = ?, closure_reason = ?, closure_trigger = ?,
        last_closure_audit_ref = ?, last_closure_job_id = ?, closure_cursor = change_cursor, pending_offline_reconcile = 1,
        cadence = ?, updated_at = ?
     WHERE id = ? AND status = 'active' RETURNING *`,
    [
      update.closedAt,
      update.closedBy,
      update.closedByLabel,
      update.reason,
      update.trigger,
      update.auditRef,
      update.jobId,
      JSON.stringify(update.cadence),
      update.closedAt,
      update.sessionId,
    ],
  );
  return rows[0] ? rowToSession(rows[0]) : null;
}

/** Mark a manual re-run as pending reconciliation again. */
export async function markPendingReconcile(db: SqlExecutor, sessionId: string, jobId: string, now: number): Promise<void> {
  await db.run('UPDATE sessions SET pending_offline_reconcile = 1, last_closure_job_id = ?, updated_at = ? WHERE id = ?', [
    jobId,
    now,
    sessionId,
  ]);
}

/** Reconcile: acknowledge changes only up to the cursor captured at closure, never beyond. */
export async function markReconciled(
  db: SqlExecutor,
  sessionId: string,
  auditRef: string,
  uptoCursor: number,
  now: number,
): Promise<void> {
  await db.run(
    `UPDATE sessions SET pending_offline_reconcile = 0, offline_reconciled_at = ?, offline_reconcile_audit_ref = ?,
        last_ack_cursor = CASE WHEN last_ack_cursor > ? THEN last_ack_cursor ELSE ? END, updated_at = ?
     WHERE id = ?`,
    [now, auditRef, uptoCursor, uptoCursor, now, sessionId],
  );
}

export async function updateCadence(db: SqlExecutor, sessionId: string, cadence: unknown, now: number): Promise<void> {
  await db.run('UPDATE sessions SET cadence = ?, updated_at = ? WHERE id = ?', [JSON.stringify(cadence), now, sessionId]);
}

/** Active sessions idle since before `cutoff`, longest idle first (closure on inactivity). */
export async function inactiveSessionIds(db: SqlExecutor, cutoff: number, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    "SELECT id FROM sessions WHERE status = 'active' AND last_activity_at < ? ORDER BY last_activity_at LIMIT ?",
    [cutoff, limit],
  );
  return rows.map((r) => String(r.id));
}
