import type { ModerationDecision, OpenDelta, WorldDelta } from '../domain/index.js';
import { insertRows } from '../store/insert-rows.js';
import { placeholders, readJson, type SqlExecutor, type SqlFragments } from '../store/ports.js';

/** The world delta queue and moderation decisions. */

/** The `reasons` column: ',a,b,' so one reason matches `LIKE '%,a,%'` (empty when none). */
function reasonsColumn(reasons: readonly string[]): string {
  return reasons.length > 0 ? `,${reasons.join(',')},` : '';
}

/**
 * Insert a closure's deltas; returns the ids inserted. A delta for an entity this job already
 * has one for (kept by a re-run because a moderator decided it) is left out.
 */
export async function insertDeltas(db: SqlExecutor, deltas: WorldDelta[], jobId: string, now: number): Promise<Set<string>> {
  const rows = await insertRows(
    db,
    'world_deltas',
    [
      'delta_id',
      'session_id',
      'job_id',
      'entity_id',
      'status',
      'requires_moderation',
      'record',
      'created_at',
      'updated_at',
      'reasons',
      'confidence',
      'confidence_tier',
    ],
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
      reasonsColumn(delta.safety.reasons),
      delta.confidence,
      delta.confidenceTier,
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

/** A stored delta: the record plus where it stands (status column, applied, its closure job). */
export type StoredDelta = WorldDelta & { appliedAt: number | null; jobId: string };

function rowToDelta(row: Record<string, unknown>): StoredDelta {
  const delta = readJson<WorldDelta>(row.record, null as never);
  // The status column is the truth: decisions update it without rewriting the record.
  return {
    ...delta,
    status: row.status as WorldDelta['status'],
    // The stored time orders the list and its cursors.
    createdAt: Number(row.created_at),
    appliedAt: row.applied_at === null ? null : Number(row.applied_at),
    jobId: String(row.job_id),
  };
}

/** Where a delta list starts: after this (newest-first) position. */
export interface DeltaPosition {
  createdAt: number;
  deltaId: string;
}

/** Filters of the delta list; every one is applied in SQL (never a capped read filtered in JS). */
export interface DeltaFilter {
  status?: string | readonly string[] | undefined;
  sessionId?: string | undefined;
  jobId?: string | undefined;
  entityId?: string | undefined;
  /** One moderation reason (`hedged`, `conflict_detected`, ...). */
  reason?: string | undefined;
  confidenceTier?: string | undefined;
  /** Only deltas created at or before this time (a filter by age). */
  createdBefore?: number | undefined;
  /** Only deltas not yet applied to canon. */
  unapplied?: boolean | undefined;
  deltaIds?: readonly string[] | undefined;
}

export interface DeltaQuery extends DeltaFilter {
  limit?: number | undefined;
  after?: DeltaPosition | undefined;
}

function whereOf(query: DeltaFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (typeof query.status === 'string') where.push('status = ?'), params.push(query.status);
  else if (query.status && query.status.length > 0)
    where.push(`status IN (${placeholders(query.status.length)})`), params.push(...query.status);
  if (query.sessionId) where.push('session_id = ?'), params.push(query.sessionId);
  if (query.jobId) where.push('job_id = ?'), params.push(query.jobId);
  if (query.entityId) where.push('entity_id = ?'), params.push(query.entityId);
  if (query.reason) where.push('reasons LIKE ?'), params.push(`%,${query.reason.replace(/[%_,]/g, '')},%`);
  if (query.confidenceTier) where.push('confidence_tier = ?'), params.push(query.confidenceTier);
  if (query.createdBefore !== undefined) where.push('created_at <= ?'), params.push(query.createdBefore);
  if (query.unapplied) where.push('applied_at IS NULL');
  if (query.deltaIds) {
    if (query.deltaIds.length === 0) where.push('1 = 0');
    else where.push(`delta_id IN (${placeholders(query.deltaIds.length)})`), params.push(...query.deltaIds);
  }
  return { sql: where.join(' AND '), params };
}

/**
 * Deltas, newest first (`created_at DESC, delta_id DESC`), one page of at most `limit` (default
 * 500) after the position `after`: callers page with the last row's position, never re-read.
 */
export async function listDeltas(db: SqlExecutor, query: DeltaQuery = {}): Promise<StoredDelta[]> {
  const { sql, params } = whereOf(query);
  const where = sql ? [sql] : [];
  if (query.after) {
    where.push('(created_at < ? OR (created_at = ? AND delta_id < ?))');
    params.push(query.after.createdAt, query.after.createdAt, query.after.deltaId);
  }
  const rows = await db.query(
    `SELECT * FROM world_deltas ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, delta_id DESC LIMIT ?`,
    [...params, query.limit ?? 500],
  );
  return rows.map(rowToDelta);
}

/** Every delta matching the filter, read page by page (no cap: a job with 10,000 deltas gets them all). */
export async function allDeltas(db: SqlExecutor, filter: DeltaFilter): Promise<StoredDelta[]> {
  const out: StoredDelta[] = [];
  if (filter.deltaIds) {
    for (let i = 0; i < filter.deltaIds.length; i += 500) {
      out.push(...(await listDeltas(db, { ...filter, deltaIds: filter.deltaIds.slice(i, i + 500), limit: 500 })));
    }
    return out;
  }
  let after: DeltaPosition | undefined;
  for (;;) {
    const page = await listDeltas(db, { ...filter, after, limit: 1000 });
    out.push(...page);
    if (page.length < 1000) return out;
    const last = page[page.length - 1] as WorldDelta;
    after = { createdAt: last.createdAt, deltaId: last.deltaId };
  }
}

/** A batch's deltas: the ones it names, else all of its closure job's. */
export function deltasOfBatch(
  db: SqlExecutor,
  batch: { jobId: string; deltaIds: readonly string[] | null },
): Promise<StoredDelta[]> {
  return allDeltas(db, batch.deltaIds ? { deltaIds: batch.deltaIds } : { jobId: batch.jobId });
}

/** How many deltas match the filter (a bulk decision's preview). */
export async function countDeltas(db: SqlExecutor, filter: DeltaFilter): Promise<number> {
  const { sql, params } = whereOf(filter);
  const [row] = await db.query(`SELECT COUNT(*) AS n FROM world_deltas ${sql ? `WHERE ${sql}` : ''}`, params);
  return Number(row?.n ?? 0);
}

/** Delta ids matching the filter, oldest first, at most `limit` (a bulk decision works in chunks). */
export async function deltaIdsMatching(db: SqlExecutor, filter: DeltaFilter, limit: number): Promise<string[]> {
  const { sql, params } = whereOf(filter);
  const rows = await db.query(
    `SELECT delta_id FROM world_deltas ${sql ? `WHERE ${sql}` : ''} ORDER BY created_at, delta_id LIMIT ?`,
    [...params, limit],
  );
  return rows.map((r) => String(r.delta_id));
}

export async function getDelta(db: SqlExecutor, deltaId: string): Promise<StoredDelta | null> {
  const [row] = await db.query('SELECT * FROM world_deltas WHERE delta_id = ?', [deltaId]);
  return row ? rowToDelta(row) : null;
}

/** Replace a delta's record (a contested entity's merged proposal), keeping its status column. */
export async function updateDeltaRecord(db: SqlExecutor, delta: WorldDelta, now: number): Promise<void> {
  await db.run('UPDATE world_deltas SET record = ?, updated_at = ? WHERE delta_id = ?', [
    JSON.stringify(delta),
    now,
    delta.deltaId,
  ]);
}

/** Statuses of a proposal still open: not decided for good and not applied. */
export const OPEN_STATUSES = ['pending', 'needs-review', 'escalated'] as const;

/**
 * Contested entities: entities with open proposals from more than one session, at least one of
 * them waiting for review. One row per entity (the moderation item), by entity id after `after`.
 */
export async function contestedEntities(
  db: SqlExecutor,
  query: { limit: number; after?: string | undefined; entityId?: string | undefined },
): Promise<Array<{ entityId: string; sessions: number; proposals: number }>> {
  const params: unknown[] = [...OPEN_STATUSES];
  let extra = '';
  if (query.after) (extra += ' AND entity_id > ?'), params.push(query.after);
  if (query.entityId) (extra += ' AND entity_id = ?'), params.push(query.entityId);
  const rows = await db.query(
    `SELECT entity_id, COUNT(DISTINCT session_id) AS sessions, COUNT(*) AS proposals FROM world_deltas
     WHERE status IN (${placeholders(OPEN_STATUSES.length)}) AND applied_at IS NULL${extra}
     GROUP BY entity_id
     HAVING COUNT(DISTINCT session_id) > 1 AND SUM(CASE WHEN status <> 'pending' THEN 1 ELSE 0 END) > 0
     ORDER BY entity_id LIMIT ?`,
    [...params, query.limit],
  );
  return rows.map((r) => ({ entityId: String(r.entity_id), sessions: Number(r.sessions), proposals: Number(r.proposals) }));
}

/**
 * Moderation items before and after grouping: deltas waiting for review, and items once each
 * contested entity counts as one (its waiting deltas folded into it).
 */
export async function moderationItemCounts(db: SqlExecutor): Promise<{ deltas: number; contested: number; items: number }> {
  const [row] = await db.query(
    `WITH contested AS (
       SELECT entity_id FROM world_deltas WHERE status IN (${placeholders(OPEN_STATUSES.length)}) AND applied_at IS NULL
       GROUP BY entity_id
       HAVING COUNT(DISTINCT session_id) > 1 AND SUM(CASE WHEN status <> 'pending' THEN 1 ELSE 0 END) > 0)
     SELECT
       (SELECT COUNT(*) FROM world_deltas WHERE status IN ('needs-review', 'escalated') AND applied_at IS NULL) AS deltas,
       (SELECT COUNT(*) FROM contested) AS contested,
       (SELECT COUNT(*) FROM world_deltas WHERE status IN ('needs-review', 'escalated') AND applied_at IS NULL
          AND entity_id NOT IN (SELECT entity_id FROM contested)) AS loose`,
    [...OPEN_STATUSES],
  );
  const deltas = Number(row?.deltas ?? 0);
  const contested = Number(row?.contested ?? 0);
  return { deltas, contested, items: contested + Number(row?.loose ?? 0) };
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
  await insertDecisions(db, [{ id, ...decision }]);
}

/** One audit row per delta decided (a bulk decision writes many, with multi-row INSERTs). */
export async function insertDecisions(
  db: SqlExecutor,
  decisions: ReadonlyArray<ModerationDecision & { id: string }>,
): Promise<void> {
  await insertRows(
    db,
    'moderation_decisions',
    ['id', 'delta_id', 'decision', 'actor', 'note', 'decided_at', 'via'],
    decisions.map((d) => [d.id, d.deltaId, d.decision, d.actor, d.note ?? null, d.decidedAt, d.via ?? null]),
  );
}

/** Set many deltas' status at once (a bulk decision). */
export async function setDeltasStatus(db: SqlExecutor, deltaIds: readonly string[], status: string, now: number): Promise<void> {
  for (let i = 0; i < deltaIds.length; i += 500) {
    const chunk = deltaIds.slice(i, i + 500);
    await db.run(`UPDATE world_deltas SET status = ?, updated_at = ? WHERE delta_id IN (${placeholders(chunk.length)})`, [
      status,
      now,
      ...chunk,
    ]);
  }
}

export async function decisionsFor(db: SqlExecutor, deltaIds: readonly string[]): Promise<ModerationDecision[]> {
  const out: ModerationDecision[] = [];
  for (let i = 0; i < deltaIds.length; i += 500) {
    const chunk = deltaIds.slice(i, i + 500);
    const rows = await db.query(
      `SELECT * FROM moderation_decisions WHERE delta_id IN (${placeholders(chunk.length)}) ORDER BY decided_at, id`,
      chunk,
    );
    for (const r of rows)
      out.push({
        deltaId: String(r.delta_id),
        decision: r.decision as ModerationDecision['decision'],
        actor: String(r.actor),
        decidedAt: Number(r.decided_at),
        ...(r.note ? { note: String(r.note) } : {}),
        ...(r.via ? { via: String(r.via) } : {}),
      });
  }
  // Chunks are each in order; the whole list is too.
  return deltaIds.length > 500 ? out.sort((a, b) => a.decidedAt - b.decidedAt) : out;
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
