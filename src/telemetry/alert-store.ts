import { insertRows } from '../store/insert-rows.js';
import type { SqlExecutor } from '../store/ports.js';
import { type AdminAlert, rowToAlert } from './alerts.js';

/** SQL for the `alerts` table (its one owner). Alerts are written by the outbox, with their cause. */

const alertColumns = ['id', 'reason', 'severity', 'session_id', 'job_id', 'data', 'created_at'];

export async function insertAlerts(executor: SqlExecutor, alerts: ReadonlyArray<AdminAlert & { jobId: string | null }>) {
  await insertRows(
    executor,
    'alerts',
    alertColumns,
    alerts.map((a) => [a.id, a.reason, a.severity, a.sessionId, a.jobId, JSON.stringify(a.data), a.createdAt]),
  );
}

export interface AlertQuery {
  open?: boolean | undefined;
  sessionId?: string | undefined;
  reason?: string | undefined;
  limit: number;
}

export async function listAlerts(db: SqlExecutor, query: AlertQuery) {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.open) where.push('acknowledged_at IS NULL');
  if (query.sessionId) where.push('session_id = ?'), params.push(query.sessionId);
  if (query.reason) where.push('reason = ?'), params.push(query.reason);
  const rows = await db.query(
    `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT ?`,
    [...params, query.limit],
  );
  return rows.map(rowToAlert);
}

/** Acknowledge an open alert; null when it was already acknowledged (or does not exist). */
export async function acknowledgeAlert(db: SqlExecutor, alertId: string, actor: string, now: number) {
  const [row] = await db.query(
    'UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL RETURNING *',
    [now, actor, alertId],
  );
  return row ? rowToAlert(row) : null;
}

export async function getAlert(db: SqlExecutor, alertId: string) {
  const [row] = await db.query('SELECT * FROM alerts WHERE id = ?', [alertId]);
  return row ? rowToAlert(row) : null;
}

/**
 * Retention: delete up to `limit` alerts closed (acknowledged) before `before`, oldest first.
 * Open alerts are never pruned, whatever their age.
 */
export async function pruneClosedAlerts(db: SqlExecutor, before: number, limit: number): Promise<number> {
  const result = await db.run(
    `DELETE FROM alerts WHERE id IN (
       SELECT id FROM alerts WHERE acknowledged_at IS NOT NULL AND acknowledged_at < ? ORDER BY acknowledged_at LIMIT ?)`,
    [before, limit],
  );
  return result.changes;
}
