import type { EntityMention, StorySummary } from '../domain/index.js';
import { insertRows } from '../store/insert-rows.js';
import { readInt, readJson, type SqlExecutor } from '../store/ports.js';

/** Story summaries (versioned per session) and entity mentions, written by the closure steps. */

export async function nextSummaryVersion(db: SqlExecutor, sessionId: string): Promise<number> {
  const [row] = await db.query<{ v: number | null }>('SELECT MAX(version) AS v FROM story_summaries WHERE session_id = ?', [
    sessionId,
  ]);
  return (row?.v === null || row?.v === undefined ? 0 : readInt(row.v)) + 1;
}

export async function insertSummary(db: SqlExecutor, summary: StorySummary, jobId: string, now: number): Promise<void> {
  await db.run('INSERT INTO story_summaries (session_id, version, job_id, record, created_at) VALUES (?, ?, ?, ?, ?)', [
    summary.sessionId,
    summary.version,
    jobId,
    JSON.stringify(summary),
    now,
  ]);
}

export async function latestSummary(db: SqlExecutor, sessionId: string, version?: number): Promise<StorySummary | null> {
  const rows = await db.query(
    version === undefined
      ? 'SELECT record FROM story_summaries WHERE session_id = ? ORDER BY version DESC LIMIT 1'
      : 'SELECT record FROM story_summaries WHERE session_id = ? AND version = ?',
    version === undefined ? [sessionId] : [sessionId, version],
  );
  return rows[0] ? readJson<StorySummary>(rows[0].record, null as never) : null;
}

export async function insertMentions(db: SqlExecutor, mentions: EntityMention[], jobId: string, now: number): Promise<void> {
  await insertRows(
    db,
    'entity_mentions',
    ['mention_id', 'session_id', 'job_id', 'entity_id', 'confidence', 'ordinal', 'record', 'created_at'],
    mentions.map((m, i) => [m.mentionId, m.source.sessionId, jobId, m.entityId, m.confidence, i, JSON.stringify(m), now]),
  );
}

/** A closure job's mentions in extraction order (the deltas step reads them back by reference). */
export async function listMentionsOfJob(db: SqlExecutor, jobId: string): Promise<EntityMention[]> {
  const rows = await db.query('SELECT record FROM entity_mentions WHERE job_id = ? ORDER BY ordinal, mention_id', [jobId]);
  return rows.map((r) => readJson<EntityMention>(r.record, null as never));
}

export async function listMentions(db: SqlExecutor, sessionId: string, jobId?: string): Promise<EntityMention[]> {
  const rows = await db.query(
    `SELECT record FROM entity_mentions WHERE session_id = ? ${jobId ? 'AND job_id = ?' : ''} ORDER BY created_at, ordinal, mention_id`,
    jobId ? [sessionId, jobId] : [sessionId],
  );
  return rows.map((r) => readJson<EntityMention>(r.record, null as never));
}

export interface MentionPosition {
  createdAt: number;
  ordinal: number;
  mentionId: string;
}

/** One page of a session's mentions in extraction order, after `after`, with the last one's position. */
export async function pageMentions(
  db: SqlExecutor,
  sessionId: string,
  after: MentionPosition | undefined,
  limit: number,
): Promise<{ items: EntityMention[]; last: MentionPosition | null }> {
  const keyset = after ? 'AND (created_at > ? OR (created_at = ? AND (ordinal > ? OR (ordinal = ? AND mention_id > ?))))' : '';
  const rows = await db.query(
    `SELECT mention_id, ordinal, created_at, record FROM entity_mentions WHERE session_id = ? ${keyset}
     ORDER BY created_at, ordinal, mention_id LIMIT ?`,
    after
      ? [sessionId, after.createdAt, after.createdAt, after.ordinal, after.ordinal, after.mentionId, limit]
      : [sessionId, limit],
  );
  const tail = rows[rows.length - 1];
  return {
    items: rows.map((r) => readJson<EntityMention>(r.record, null as never)),
    last: tail
      ? { createdAt: readInt(tail.created_at), ordinal: readInt(tail.ordinal), mentionId: String(tail.mention_id) }
      : null,
  };
}

/** A re-run of the closure's consolidation: its earlier summary goes (one summary per job). */
export async function deleteSummaryOfJob(db: SqlExecutor, jobId: string): Promise<void> {
  await db.run('DELETE FROM story_summaries WHERE job_id = ?', [jobId]);
}

/** A re-run of the closure's extraction: its earlier mentions go. */
export async function deleteMentionsOfJob(db: SqlExecutor, jobId: string): Promise<void> {
  await db.run('DELETE FROM entity_mentions WHERE job_id = ?', [jobId]);
}
