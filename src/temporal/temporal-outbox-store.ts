import { readInt, type SqlExecutor } from '../store/ports.js';

/**
 * The Temporal engine's outbox (table `temporal_outbox`, migrations 0007 and 0011; this module is
 * its one owner). A row is written in the transaction of its cause (a closure's job, an operator retry,
 * a signal) and sent to Temporal by the relay (temporal-relay.ts), which deletes it once sent.
 *
 * - `start`: start the job's workflow (workflow id = job id); already started is fine.
 * - `restart`: an operator retried a finished job; start a new run, ending any stale one.
 * - `reset`: an operator re-ran a finished job from a step (`detail`: the step and the actor);
 *   reset the workflow to just before that step's first activity, or start a new run when the
 *   history cannot be reset (temporal-relay.ts).
 * - `wake`: the job's schedule or signals changed (reschedule, `WorkflowEngine.signal`).
 * - `cancel`: the job was cancelled in the store; cancel its workflow.
 */
export type TemporalOutboxKind = 'start' | 'restart' | 'reset' | 'wake' | 'cancel';

/** A `reset` row's detail: the step the operator re-runs from, and who. */
export interface ResetDetail {
  step: string;
  actor: string;
}

export interface TemporalOutboxRow {
  id: number;
  kind: TemporalOutboxKind;
  jobId: string;
  createdAt: number;
  attempts: number;
  /** The row's JSON detail (`ResetDetail` for `reset`), null for the other kinds. */
  detail: Record<string, unknown> | null;
}

export async function addOutboxRow(
  db: SqlExecutor,
  kind: TemporalOutboxKind,
  jobId: string,
  now: number,
  detail: Record<string, unknown> | null = null,
): Promise<void> {
  await db.run('INSERT INTO temporal_outbox (kind, job_id, created_at, detail) VALUES (?, ?, ?, ?)', [
    kind,
    jobId,
    now,
    detail === null ? null : JSON.stringify(detail),
  ]);
}

/**
 * Take up to `limit` rows no other relay holds, oldest first, for `holdMs`: a relay that dies
 * holding rows lets them go when the hold ends. Rows of one job are taken together and in order.
 */
export async function takeOutboxRows(db: SqlExecutor, now: number, holdMs: number, limit: number): Promise<TemporalOutboxRow[]> {
  const candidates = await db.query('SELECT id FROM temporal_outbox WHERE claimed_until <= ? ORDER BY id LIMIT ?', [now, limit]);
  const taken: TemporalOutboxRow[] = [];
  for (const candidate of candidates) {
    const rows = await db.query(
      'UPDATE temporal_outbox SET claimed_until = ?, attempts = attempts + 1 WHERE id = ? AND claimed_until <= ? RETURNING *',
      [now + holdMs, candidate.id, now],
    );
    const row = rows[0];
    if (row)
      taken.push({
        id: readInt(row.id),
        kind: row.kind as TemporalOutboxKind,
        jobId: String(row.job_id),
        createdAt: readInt(row.created_at),
        attempts: readInt(row.attempts),
        detail: parseDetail(row.detail),
      });
  }
  return taken;
}

export async function deleteOutboxRow(db: SqlExecutor, id: number): Promise<void> {
  await db.run('DELETE FROM temporal_outbox WHERE id = ?', [id]);
}

/** Give a row back after a failed send: due again at `retryAt`, with the error kept for operators. */
export async function releaseOutboxRow(db: SqlExecutor, id: number, retryAt: number, error: string): Promise<void> {
  await db.run('UPDATE temporal_outbox SET claimed_until = ?, last_error = ? WHERE id = ?', [retryAt, error.slice(0, 1000), id]);
}

/** How many rows wait and since when the oldest waits (the relay's backlog; `offline.enqueue_failed`). */
export async function outboxBacklog(db: SqlExecutor): Promise<{ pending: number; oldestAt: number | null }> {
  const rows = await db.query('SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM temporal_outbox');
  const row = rows[0] ?? {};
  return { pending: readInt(row.n ?? 0), oldestAt: row.oldest === null || row.oldest === undefined ? null : readInt(row.oldest) };
}

/**
 * A row's detail, or null when it is missing or not a JSON object. One unreadable row must not
 * stop the relay (it would throw on every pass and hold back every row behind it): the relay
 * logs and drops a reset row without its step and actor.
 */
function parseDetail(raw: unknown): Record<string, unknown> | null {
  if (typeof raw !== 'string') return null;
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
