import type { ModerationDecision, OpenDelta, WorldDelta } from '../domain/index.js';
import { insertRows } from '../store/insert-rows.js';
import { placeholders, readJson, type Row, type SqlExecutor, type SqlFragments } from '../store/ports.js';

/** The world delta queue and moderation decisions. */

/**
 * Insert a closure's deltas; returns the ids inserted. A delta for an entity this job already
 * has one for (kept by a re-run because a moderator decided it) is left out.
 */
export async function insertDeltas(db: SqlExecutor, deltas: WorldDelta[], jobId: string, now: number): Promise<Set<string>> {
  const rows = await insertRows(
    db,
    'world_deltas',
    ['delta_id', 'session_id', 'job_id', 'entity_id', 'status', 'requires_moderation', 'record', 'created_at', 'updated_at'],
    deltas.map((delta) => [
      delta.deltaId,
      delta.sessionId,
      jobId,
      delta.entityId,
      delta.status,
      delta.safety.requiresModeration ? 1 : 0,
      JSON.stringify(delta),
      now,
      now,
    ]),
    'delta_id',
    'ON CONFLICT DO NOTHING',
  );
  return new Set(rows.map((r) => String(r.delta_id)));
}

/**
 * A re-run of the closure's deltas step: remove this job's deltas that no moderator decided and
 * that were not applied to canon (decided and applied ones are kept, with their history).
 */
export async function deleteUndecidedDeltasOfJob(db: SqlExecutor, jobId: string): Promise<number> {
  const result = await db.run(
    `DELETE FROM world_deltas WHERE job_id = ? AND applied_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM moderation_decisions m WHERE m.delta_id = world_deltas.delta_id)`,
    [jobId],
  );
  return result.changes;
}

function rowToDelta(row: Record<string, unknown>): WorldDelta & { appliedAt: number | null } {
  const delta = readJson<WorldDelta>(row.record, null as never);
  // The status column is the truth: decisions update it without rewriting the record.
  return {
    ...delta,
    status: row.status as WorldDelta['status'],
    appliedAt: row.applied_at === null ? null : Number(row.applied_at),
  };
}

export interface DeltaQuery {
  status?: string | undefined;
  sessionId?: string | undefined;
  jobId?: string | undefined;
  limit?: number | undefined;
}

export async function listDeltas(
  db: SqlExecutor,
  query: DeltaQuery = {},
): Promise<Array<WorldDelta & { appliedAt: number | null }>> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.status) where.push('status = ?'), params.push(query.status);
  if (query.sessionId) where.push('session_id = ?'), params.push(query.sessionId);
  if (query.jobId) where.push('job_id = ?'), params.push(query.jobId);
  const rows = await db.query(
    `SELECT * FROM world_deltas ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, delta_id LIMIT ?`,
    [...params, query.limit ?? 500],
  );
  return rows.map(rowToDelta);
}

export async function getDelta(
  db: SqlExecutor,
  deltaId: string,
): Promise<(WorldDelta & { appliedAt: number | null; jobId: string }) | null> {
  const [row] = await db.query('SELECT * FROM world_deltas WHERE delta_id = ?', [deltaId]);
  return row ? { ...rowToDelta(row), jobId: String(row.job_id) } : null;
}

/**
 * Open deltas (pending or awaiting review) of OTHER sessions on the given entities: conflicts are
 * checked per entity, so reading only the touched entities keeps the cost independent of the size
 * of the queue, and reading only `after` (not the whole record with its source sentences) keeps it
 * cheap when many sessions contest the same entity.
 */
export async function openDeltasOfOtherSessions(
  db: SqlExecutor,
  fragments: SqlFragments,
  sessionId: string,
  entityIds: readonly string[],
): Promise<OpenDelta[]> {
  const after = fragments.jsonMember('record', 'after');
  const out: OpenDelta[] = [];
  const unique = [...new Set(entityIds)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    const rows = await db.query(
      `SELECT delta_id, session_id, entity_id, status, ${after} AS after FROM world_deltas
       WHERE entity_id IN (${placeholders(chunk.length)})
         AND status IN ('pending', 'needs-review', 'escalated') AND session_id <> ? AND applied_at IS NULL`,
      [...chunk, sessionId],
    );
    for (const r of rows) {
      out.push({
        deltaId: String(r.delta_id),
        sessionId: String(r.session_id),
        entityId: String(r.entity_id),
        status: r.status as WorldDelta['status'],
        after: readJson<Record<string, unknown>>(r.after, {}),
      });
    }
  }
  return out;
}

export async function setDeltaStatus(db: SqlExecutor, deltaId: string, status: string, now: number): Promise<void> {
  await db.run('UPDATE world_deltas SET status = ?, updated_at = ? WHERE delta_id = ?', [status, now, deltaId]);
}

/** Statement parameters per IN list: well under SQLite's and PostgreSQL's limits, for any count. */
const inListChunk = 1000;

export async function markApplied(db: SqlExecutor, deltaIds: string[], now: number): Promise<void> {
  for (let i = 0; i < deltaIds.length; i += inListChunk) {
    const chunk = deltaIds.slice(i, i + inListChunk);
    await db.run(`UPDATE world_deltas SET applied_at = ?, updated_at = ? WHERE delta_id IN (${placeholders(chunk.length)})`, [
      now,
      now,
      ...chunk,
    ]);
  }
}

export async function insertDecision(db: SqlExecutor, id: string, decision: ModerationDecision): Promise<void> {
  await db.run('INSERT INTO moderation_decisions (id, delta_id, decision, actor, note, decided_at) VALUES (?, ?, ?, ?, ?, ?)', [
    id,
    decision.deltaId,
    decision.decision,
    decision.actor,
    decision.note ?? null,
    decision.decidedAt,
  ]);
}

export async function decisionsFor(db: SqlExecutor, deltaIds: string[]): Promise<ModerationDecision[]> {
  const rows: Row[] = [];
  for (let i = 0; i < deltaIds.length; i += inListChunk) {
    const chunk = deltaIds.slice(i, i + inListChunk);
    rows.push(
      ...(await db.query(
        `SELECT * FROM moderation_decisions WHERE delta_id IN (${placeholders(chunk.length)}) ORDER BY decided_at, id`,
        chunk,
      )),
    );
  }
  // One order across chunks, as one statement would give.
  rows.sort((a, b) => Number(a.decided_at) - Number(b.decided_at) || String(a.id).localeCompare(String(b.id)));
  return rows.map((r) => ({
    deltaId: String(r.delta_id),
    decision: r.decision as ModerationDecision['decision'],
    actor: String(r.actor),
    decidedAt: Number(r.decided_at),
    ...(r.note ? { note: String(r.note) } : {}),
  }));
}

/**
 * Every delta of one closure job, oldest first, read in pages so a closure with any number of
 * deltas is processed whole (publish preparation, applying canon); never capped.
 */
export async function deltasOfJob(db: SqlExecutor, jobId: string): Promise<Array<WorldDelta & { appliedAt: number | null }>> {
  const out: Array<WorldDelta & { appliedAt: number | null }> = [];
  let after = '';
  for (;;) {
    const rows = await db.query('SELECT * FROM world_deltas WHERE job_id = ? AND delta_id > ? ORDER BY delta_id LIMIT 1000', [
      jobId,
      after,
    ]);
    out.push(...rows.map(rowToDelta));
    if (rows.length < 1000) return out;
    after = String(rows[rows.length - 1]?.delta_id);
  }
}
