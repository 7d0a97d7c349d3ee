import { insertRows } from '../store/insert-rows.js';
import { placeholders, type SqlExecutor } from '../store/ports.js';
import { type AdminAlert, type AlertState, rowToAlert, type Severity } from './alerts.js';

/** SQL for the `alerts` table (its one owner). Alerts are written by the outbox, with their cause. */

const alertColumns = ['id', 'reason', 'severity', 'session_id', 'job_id', 'data', 'created_at', 'cause_key', 'updated_at'];

/** Insert alerts; one whose cause already has an unresolved alert is left out (the partial unique index). */
export async function insertAlerts(executor: SqlExecutor, alerts: ReadonlyArray<AdminAlert & { jobId: string | null }>) {
  await insertRows(
    executor,
    'alerts',
    alertColumns,
    alerts.map((a) => [
      a.id,
      a.reason,
      a.severity,
      a.sessionId,
      a.jobId,
      JSON.stringify(a.data),
      a.createdAt,
      a.causeKey ?? null,
      a.createdAt,
    ]),
    '',
    'ON CONFLICT (cause_key) WHERE resolved_at IS NULL DO NOTHING',
  );
}

export interface AlertQuery {
  /** Unresolved and unacknowledged (the dashboard's default). */
  open?: boolean | undefined;
  state?: AlertState | 'unresolved' | undefined;
  sessionId?: string | undefined;
  reason?: string | undefined;
  limit: number;
  /** Newest-first position to continue after (cursor pagination). */
  after?: { createdAt: number; id: string } | undefined;
}

export async function listAlerts(db: SqlExecutor, query: AlertQuery) {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.open || query.state === 'open') where.push('acknowledged_at IS NULL AND resolved_at IS NULL');
  if (query.state === 'acknowledged') where.push('acknowledged_at IS NOT NULL AND resolved_at IS NULL');
  if (query.state === 'resolved') where.push('resolved_at IS NOT NULL');
  if (query.state === 'unresolved') where.push('resolved_at IS NULL');
  if (query.sessionId) where.push('session_id = ?'), params.push(query.sessionId);
  if (query.reason) where.push('reason = ?'), params.push(query.reason);
  if (query.after) {
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    params.push(query.after.createdAt, query.after.createdAt, query.after.id);
  }
  const rows = await db.query(
    `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`,
    [...params, query.limit],
  );
  return rows.map(rowToAlert);
}

/** The unresolved alert of a cause, if any. */
export async function openAlertOfCause(db: SqlExecutor, causeKey: string) {
  const [row] = await db.query('SELECT * FROM alerts WHERE cause_key = ? AND resolved_at IS NULL', [causeKey]);
  return row ? rowToAlert(row) : null;
}

/** Resolve the unresolved alerts of these causes; returns the alerts resolved. */
export async function resolveAlertsOfCauses(db: SqlExecutor, causeKeys: readonly string[], resolution: string, now: number) {
  const out: Array<ReturnType<typeof rowToAlert>> = [];
  for (let i = 0; i < causeKeys.length; i += 500) {
    const chunk = causeKeys.slice(i, i + 500);
    const rows = await db.query(
      `UPDATE alerts SET resolved_at = ?, resolution = ?, updated_at = ?
       WHERE cause_key IN (${placeholders(chunk.length)}) AND resolved_at IS NULL RETURNING *`,
      [now, resolution, now, ...chunk],
    );
    out.push(...rows.map(rowToAlert));
  }
  return out;
}

/** Escalate a cause's unresolved alert to `severity` (level `level`); null when none is open or it is already there. */
export async function escalateAlertOfCause(db: SqlExecutor, causeKey: string, severity: Severity, level: number, now: number) {
  const [row] = await db.query(
    `UPDATE alerts SET severity = ?, escalation_level = ?, updated_at = ?
     WHERE cause_key = ? AND resolved_at IS NULL AND escalation_level < ? RETURNING *`,
    [severity, level, now, causeKey, level],
  );
  return row ? rowToAlert(row) : null;
}

/** Unresolved alerts, by state (the dashboard's counts). */
export async function countAlerts(db: SqlExecutor) {
  const [row] = await db.query(
    `SELECT SUM(CASE WHEN resolved_at IS NULL AND acknowledged_at IS NULL THEN 1 ELSE 0 END) AS open,
            SUM(CASE WHEN resolved_at IS NULL AND acknowledged_at IS NOT NULL THEN 1 ELSE 0 END) AS acknowledged,
            SUM(CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS resolved
     FROM alerts`,
  );
  return { open: Number(row?.open ?? 0), acknowledged: Number(row?.acknowledged ?? 0), resolved: Number(row?.resolved ?? 0) };
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
 * Retention: delete up to `limit` closed alerts older than `before`: resolved ones (by when they
 * were resolved), and acknowledged ones without a cause (nothing can resolve them). Open alerts,
 * and acknowledged ones whose cause is still live, are never pruned, whatever their age.
 */
export async function pruneClosedAlerts(db: SqlExecutor, before: number, limit: number): Promise<number> {
  const result = await db.run(
    `DELETE FROM alerts WHERE id IN (
       SELECT id FROM alerts
       WHERE (resolved_at IS NOT NULL AND resolved_at < ?)
          OR (resolved_at IS NULL AND cause_key IS NULL AND acknowledged_at IS NOT NULL AND acknowledged_at < ?)
       ORDER BY created_at LIMIT ?)`,
    [before, before, limit],
  );
  return result.changes;
}
