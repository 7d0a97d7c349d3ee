import { AfterwordError } from '../errors.js';
import { readInt, readJson, type Row } from '../store/ports.js';
import type { Store } from '../store/store.js';
import type { AdminAlert } from '../telemetry/topics.js';

function rowToAlert(row: Row): AdminAlert & { jobId: string | null } {
  return {
    id: String(row.id),
    topic: 'admin.alert',
    sessionId: (row.session_id as string | null) ?? null,
    jobId: (row.job_id as string | null) ?? null,
    createdAt: readInt(row.created_at),
    severity: row.severity as AdminAlert['severity'],
    reason: row.reason as AdminAlert['reason'],
    data: readJson(row.data, {}),
    acknowledgedAt: row.acknowledged_at === null ? null : readInt(row.acknowledged_at),
    acknowledgedBy: (row.acknowledged_by as string | null) ?? null,
  };
}

/** Persisted admin alerts: listed and acknowledged by operators. */
export class AlertService {
  constructor(private readonly store: Store) {}

  async list(
    query: {
      open?: boolean | undefined;
      sessionId?: string | undefined;
      reason?: string | undefined;
      limit?: number | undefined;
    } = {},
  ) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.open) where.push('acknowledged_at IS NULL');
    if (query.sessionId) where.push('session_id = ?'), params.push(query.sessionId);
    if (query.reason) where.push('reason = ?'), params.push(query.reason);
    const rows = await this.store.driver.query(
      `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT ?`,
      [...params, Math.min(Math.max(query.limit ?? 100, 1), 1000)],
    );
    return rows.map(rowToAlert);
  }

  async acknowledge(alertId: string, actor: string) {
    return this.store.transact(async (tx) => {
      const rows = await tx.query(
        'UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL RETURNING *',
        [tx.now, actor, alertId],
      );
      if (!rows[0]) {
        const [existing] = await tx.query('SELECT * FROM alerts WHERE id = ?', [alertId]);
        if (!existing) throw new AfterwordError('alert_not_found', `alert ${alertId} does not exist`);
        return rowToAlert(existing);
      }
      const alert = rowToAlert(rows[0]);
      await tx.emit('admin.alert.acknowledged', { alertId, actor, sessionId: alert.sessionId });
      return alert;
    });
  }
}
