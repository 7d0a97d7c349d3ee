import { insertRows } from '../store/insert-rows.js';
import { placeholders, readInt, readJson, type Row, type SqlExecutor } from '../store/ports.js';
import type { EventFilter } from './event-bus.js';
import type { EventPayload, StoredEvent } from './topics.js';

/**
 * SQL for the `events` table (its one owner). Rows are written only by the outbox, just before
 * their transaction commits, and only while holding the events' commit-order lock where the
 * store has concurrent writers (see outbox.ts): ids are therefore assigned in commit order, and
 * a reader that reads `id > N` in id order never skips an event that commits later.
 */

const eventColumns = ['topic', 'session_id', 'job_id', 'origin', 'payload', 'created_at'];

/** Write `pending` events (id 0) in multi-row INSERTs, giving each its stored id. */
export async function insertEvents(executor: SqlExecutor, pending: readonly StoredEvent[]): Promise<void> {
  const rows = await insertRows(
    executor,
    'events',
    eventColumns,
    pending.map((e) => [e.topic, e.sessionId, e.jobId, e.origin, JSON.stringify(e.payload), e.createdAt]),
    'id',
  );
  // Ids come from a sequence in VALUES order, statement after statement of this transaction;
  // sorting makes that independent of the order RETURNING reports them in.
  const ids = rows.map((r) => Number(r.id)).sort((x, y) => x - y);
  pending.forEach((event, i) => {
    (event as { id: number }).id = ids[i] as number;
  });
}

/**
 * SQL inserting the events a `select` yields (columns topic, session_id, job_id, origin, payload,
 * created_at), returning each one's `event_id` and `job_id`: for a set-based statement that
 * writes its own events inside a CTE (the engine's claim), after taking the outbox's
 * commit-order lock (`Tx.orderEvents`), and announcing them with `Tx.recordWritten`.
 */
export function insertEventsSelecting(select: string): string {
  return `INSERT INTO events (topic, session_id, job_id, origin, payload, created_at) ${select} RETURNING id AS event_id, job_id`;
}

export function rowToEvent(row: Row): StoredEvent {
  return {
    id: readInt(row.id),
    topic: String(row.topic),
    sessionId: (row.session_id as string | null) ?? null,
    jobId: (row.job_id as string | null) ?? null,
    origin: String(row.origin),
    payload: readJson<EventPayload>(row.payload, {}),
    createdAt: readInt(row.created_at),
  };
}

/**
 * Committed events after `lastId`, in id order, matching `filter` (topics and session in SQL;
 * prefixes after reading, so a page is never cut short by them: callers page on the last id read).
 */
export async function eventsAfter(
  db: SqlExecutor,
  lastId: number,
  filter: Pick<EventFilter, 'topics' | 'sessionId'> = {},
  limit = 1000,
): Promise<StoredEvent[]> {
  const where = ['id > ?'];
  const params: unknown[] = [lastId];
  if (filter.sessionId) where.push('session_id = ?'), params.push(filter.sessionId);
  if (filter.topics?.length) where.push(`topic IN (${placeholders(filter.topics.length)})`), params.push(...filter.topics);
  const rows = await db.query(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, [...params, limit]);
  return rows.map(rowToEvent);
}

/**
 * Like `eventsAfter`, unfiltered, for the cross-process relay: the payload is read only for
 * events `origin` did not write (those reach its bus directly), which keeps a busy relay cheap.
 */
export async function foreignEventsAfter(db: SqlExecutor, lastId: number, origin: string, limit: number): Promise<StoredEvent[]> {
  const rows = await db.query(
    `SELECT id, origin, topic, session_id, job_id, created_at, CASE WHEN origin <> ? THEN payload END AS payload
     FROM events WHERE id > ? ORDER BY id LIMIT ?`,
    [origin, lastId, limit],
  );
  return rows.map(rowToEvent);
}

/** The highest committed event id (0 when there is none). */
export async function latestEventId(db: SqlExecutor): Promise<number> {
  const [row] = await db.query<{ id: unknown }>('SELECT COALESCE(MAX(id), 0) AS id FROM events');
  return readInt(row?.id ?? 0);
}

/**
 * Retention: delete up to `limit` events created before `before`, oldest first. The newest event
 * always stays, so `latestEventId` never goes back (readers resume after an id, never below it);
 * readers behind the cut-off just continue from the oldest event kept.
 */
export async function pruneEvents(db: SqlExecutor, before: number, limit: number): Promise<number> {
  const result = await db.run(
    `DELETE FROM events WHERE id IN (
       SELECT id FROM events WHERE created_at < ? AND id < (SELECT MAX(id) FROM events) ORDER BY id LIMIT ?)`,
    [before, limit],
  );
  return result.changes;
}
