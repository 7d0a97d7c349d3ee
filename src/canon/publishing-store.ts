import type { PublishingPlan } from '../domain/index.js';
import { placeholders, readInt, readJson, readOptionalInt, type Row, type SqlExecutor } from '../store/ports.js';

/**
 * Publishing batches, schedule overrides and published lore (tables publishing_batches,
 * schedule_overrides, lore_documents; the search index is `search-index.ts`). Batch lifecycle (status column):
 *   awaiting_moderation ──every blocking delta decided──▶ ready ──batch time──▶ published
 * A batch never skips the gate; `published` is terminal.
 */

export type StoredBatchStatus = 'awaiting_moderation' | 'ready' | 'published';

export interface StoredBatch {
  batchId: string;
  sessionId: string;
  jobId: string;
  status: StoredBatchStatus;
  scheduledAt: number;
  plan: PublishingPlan;
  createdAt: number;
  updatedAt: number;
  publishedAt: number | null;
  /** The batch's deltas when not all of its job's (a batch that carried some on, or a carry batch). */
  deltaIds: string[] | null;
  /** The batch this one continues (deltas undecided when its moderation window closed). */
  carriedFrom: string | null;
}

function rowToBatch(row: Row): StoredBatch {
  return {
    batchId: String(row.batch_id),
    sessionId: String(row.session_id),
    jobId: String(row.job_id),
    status: row.status as StoredBatchStatus,
    scheduledAt: readInt(row.scheduled_at),
    plan: readJson<PublishingPlan>(row.plan, null as never),
    createdAt: readInt(row.created_at),
    updatedAt: readInt(row.updated_at),
    publishedAt: readOptionalInt(row.published_at),
    deltaIds: row.delta_ids === null || row.delta_ids === undefined ? null : readJson<string[]>(row.delta_ids, []),
    carriedFrom: (row.carried_from as string | null) ?? null,
  };
}

export async function insertBatch(
  db: SqlExecutor,
  plan: PublishingPlan,
  jobId: string,
  now: number,
  carry: { deltaIds: string[]; carriedFrom: string } | null = null,
): Promise<void> {
  await db.run(
    `INSERT INTO publishing_batches (batch_id, session_id, job_id, status, scheduled_at, plan, created_at, updated_at, delta_ids, carried_from)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      plan.batchId,
      plan.sessionId,
      jobId,
      plan.status,
      plan.scheduledAt,
      JSON.stringify(plan),
      now,
      now,
      carry ? JSON.stringify(carry.deltaIds) : null,
      carry?.carriedFrom ?? null,
    ],
  );
}

/** The job id a carry batch of `jobId`'s batch is stored under (the job-id index stays unique). */
export const carryJobId = (jobId: string) => `${jobId}:carry`;

/** A closure job's batch and, if its window closed with deltas undecided, the batch carrying them. */
export async function batchesOfJob(db: SqlExecutor, jobId: string): Promise<StoredBatch[]> {
  const rows = await db.query('SELECT * FROM publishing_batches WHERE job_id IN (?, ?) ORDER BY created_at', [
    jobId,
    carryJobId(jobId),
  ]);
  return rows.map(rowToBatch);
}

/** Name the deltas a batch keeps (the rest were carried on). */
export async function setBatchDeltas(db: SqlExecutor, batchId: string, deltaIds: string[], now: number): Promise<void> {
  await db.run('UPDATE publishing_batches SET delta_ids = ?, updated_at = ? WHERE batch_id = ?', [
    JSON.stringify(deltaIds),
    now,
    batchId,
  ]);
}

/** The batch a closure job planned, if any. */
export async function batchOfJob(db: SqlExecutor, jobId: string): Promise<StoredBatch | null> {
  const [row] = await db.query('SELECT * FROM publishing_batches WHERE job_id = ?', [jobId]);
  return row ? rowToBatch(row) : null;
}

/** A re-run of the closure's publishing preparation replaces an unpublished batch. */
export async function deleteUnpublishedBatch(db: SqlExecutor, batchId: string): Promise<boolean> {
  const result = await db.run("DELETE FROM publishing_batches WHERE batch_id = ? AND status <> 'published'", [batchId]);
  return result.changes === 1;
}

export interface ScheduleOverride {
  id: string;
  sessionId: string;
  batchId: string | null;
  previousAt: number;
  requestedAt: number;
  actor: string;
  reason: string | null;
}

/** Record an operator's override of a batch's time (spec section 7). */
export async function insertScheduleOverride(db: SqlExecutor, override: ScheduleOverride, now: number): Promise<void> {
  await db.run(
    'INSERT INTO schedule_overrides (id, session_id, batch_id, previous_at, requested_at, actor, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    [
      override.id,
      override.sessionId,
      override.batchId,
      override.previousAt,
      override.requestedAt,
      override.actor,
      override.reason,
      now,
    ],
  );
}

export async function getBatch(db: SqlExecutor, batchId: string): Promise<StoredBatch | null> {
  const [row] = await db.query('SELECT * FROM publishing_batches WHERE batch_id = ?', [batchId]);
  return row ? rowToBatch(row) : null;
}

/**
 * Batches, latest scheduled first (`scheduled_at DESC, batch_id DESC`), at most `limit` (default
 * 200) after the keyset position `after` (the API's cursor pagination uses it page by page).
 * Callers that need every batch page on; none filters a capped read in JavaScript (a job's batch
 * is `batchOfJob`, in SQL).
 */
export async function listBatches(
  db: SqlExecutor,
  query: {
    sessionId?: string | undefined;
    status?: string | undefined;
    limit?: number | undefined;
    after?: { scheduledAt: number; batchId: string } | undefined;
  },
): Promise<StoredBatch[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.sessionId) where.push('session_id = ?'), params.push(query.sessionId);
  if (query.status) where.push('status = ?'), params.push(query.status);
  if (query.after) {
    where.push('(scheduled_at < ? OR (scheduled_at = ? AND batch_id < ?))');
    params.push(query.after.scheduledAt, query.after.scheduledAt, query.after.batchId);
  }
  const rows = await db.query(
    `SELECT * FROM publishing_batches ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY scheduled_at DESC, batch_id DESC LIMIT ?`,
    [...params, query.limit ?? 200],
  );
  return rows.map(rowToBatch);
}

/** Every batch matching the filter, page by page. */
export async function allBatches(
  db: SqlExecutor,
  query: { sessionId?: string | undefined; status?: string | undefined },
): Promise<StoredBatch[]> {
  const out: StoredBatch[] = [];
  let after: { scheduledAt: number; batchId: string } | undefined;
  for (;;) {
    const page = await listBatches(db, { ...query, after, limit: 500 });
    out.push(...page);
    if (page.length < 500) return out;
    const last = page[page.length - 1] as StoredBatch;
    after = { scheduledAt: last.scheduledAt, batchId: last.batchId };
  }
}

export async function updateBatch(
  db: SqlExecutor,
  batch: { batchId: string; status: StoredBatchStatus; plan: PublishingPlan; scheduledAt: number },
  now: number,
): Promise<void> {
  await db.run('UPDATE publishing_batches SET status = ?, plan = ?, scheduled_at = ?, updated_at = ? WHERE batch_id = ?', [
    batch.status,
    JSON.stringify(batch.plan),
    batch.scheduledAt,
    now,
    batch.batchId,
  ]);
}

export async function markBatchPublished(db: SqlExecutor, batchId: string, now: number): Promise<boolean> {
  const result = await db.run(
    `UPDATE publishing_batches SET status = 'published', published_at = ?, updated_at = ? WHERE batch_id = ? AND status = 'ready'`,
    [now, now, batchId],
  );
  return result.changes === 1;
}

export interface LoreDocument {
  docId: string;
  kind: 'bundle' | 'card' | 'digest';
  entityId: string | null;
  sessionId: string;
  batchId: string;
  title: string;
  body: string;
  version: number;
  record: unknown;
}

/**
 * Publish a document, replacing an older version of the same id. Searching it is the search
 * index's business (`canon/search-index.ts`), in the same transaction.
 */
export async function publishDocument(db: SqlExecutor, doc: LoreDocument, now: number): Promise<void> {
  await db.run(
    `INSERT INTO lore_documents (doc_id, kind, entity_id, session_id, batch_id, title, body, version, record, published_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (doc_id) DO UPDATE SET title = excluded.title, body = excluded.body, version = excluded.version,
       record = excluded.record, batch_id = excluded.batch_id, published_at = excluded.published_at`,
    [
      doc.docId,
      doc.kind,
      doc.entityId,
      doc.sessionId,
      doc.batchId,
      doc.title,
      doc.body,
      doc.version,
      JSON.stringify(doc.record),
      now,
    ],
  );
}

/** Published documents by id (any order), as the search index and the drift check need them. */
export async function publishedDocuments(
  db: SqlExecutor,
  docIds: readonly string[],
): Promise<Map<string, LoreDocument & { publishedAt: number }>> {
  const out = new Map<string, LoreDocument & { publishedAt: number }>();
  for (let i = 0; i < docIds.length; i += 500) {
    const ids = docIds.slice(i, i + 500);
    const rows = await db.query(`SELECT * FROM lore_documents WHERE doc_id IN (${placeholders(ids.length)})`, ids);
    for (const r of rows) {
      out.set(String(r.doc_id), {
        docId: String(r.doc_id),
        kind: r.kind as LoreDocument['kind'],
        entityId: (r.entity_id as string | null) ?? null,
        sessionId: String(r.session_id),
        batchId: String(r.batch_id),
        title: String(r.title),
        body: String(r.body),
        version: readInt(r.version),
        record: readJson(r.record, null),
        publishedAt: readInt(r.published_at),
      });
    }
  }
  return out;
}

export interface LoreHit {
  docId: string;
  kind: string;
  entityId: string | null;
  sessionId: string;
  title: string;
  snippet: string;
  version: number;
  publishedAt: number;
}

/** Published documents (digests excluded) with `since < published_at <= until`, oldest first: what a digest lists. */
export async function publishedBetween(
  db: SqlExecutor,
  since: number,
  until: number,
): Promise<Array<{ docId: string; title: string; kind: string; sessionId: string; publishedAt: number }>> {
  const rows = await db.query(
    `SELECT doc_id, title, kind, session_id, published_at FROM lore_documents
     WHERE published_at > ? AND published_at <= ? AND kind <> ? ORDER BY published_at, doc_id`,
    [since, until, 'digest'],
  );
  return rows.map((r) => ({
    docId: String(r.doc_id),
    title: String(r.title),
    kind: String(r.kind),
    sessionId: String(r.session_id),
    publishedAt: readInt(r.published_at),
  }));
}
