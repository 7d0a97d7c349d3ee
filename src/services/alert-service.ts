import { AfterwordError, invalidInput } from '../errors.js';
import type { Store } from '../store/store.js';
import { acknowledgeAlert, countAlerts, getAlert, listAlerts } from '../telemetry/alert-store.js';
import type { AlertState } from '../telemetry/alerts.js';
import type { Tx } from '../telemetry/outbox.js';
import { telemetryTopics } from '../telemetry/telemetry-topics.js';
import { decodeCursor, encodeCursor } from '../cursors.js';

const states = ['open', 'acknowledged', 'resolved', 'unresolved'] as const;

export interface AlertListQuery {
  /** Unresolved and unacknowledged only. */
  open?: boolean | undefined;
  state?: string | undefined;
  sessionId?: string | undefined;
  reason?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/**
 * Persisted admin alerts: listed (open, acknowledged, resolved), acknowledged by operators, and
 * resolved by the code that removes their cause (telemetry/alert-lifecycle.ts).
 */
export class AlertService {
  constructor(private readonly store: Store<Tx>) {}

  async list(query: AlertListQuery = {}) {
    return (await this.page(query)).items;
  }

  /** One page, newest first; pass `nextCursor` back as `cursor`. */
  async page(query: AlertListQuery = {}) {
    if (query.state !== undefined && !(states as readonly string[]).includes(query.state)) {
      throw invalidInput([{ field: 'state', reason: `must be one of ${states.join(', ')}` }]);
    }
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const after = decodeCursor('alerts', query.cursor);
    const rows = await listAlerts(this.store.driver, {
      open: query.open,
      state: query.state as AlertState | 'unresolved' | undefined,
      sessionId: query.sessionId,
      reason: query.reason,
      after,
      limit: limit + 1,
    });
    const more = rows.length > limit;
    const items = more ? rows.slice(0, limit) : rows;
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeCursor('alerts', { createdAt: last.createdAt, id: last.id }) : null };
  }

  /** Alerts by state. */
  counts() {
    return countAlerts(this.store.driver);
  }

  async acknowledge(alertId: string, actor: string) {
    return this.store.transact(async (tx) => {
      const alert = await acknowledgeAlert(tx, alertId, actor, tx.now);
      if (!alert) {
        const existing = await getAlert(tx, alertId);
        if (!existing) throw new AfterwordError('alert_not_found', `alert ${alertId} does not exist`);
        return existing;
      }
      await telemetryTopics.emit(tx, 'admin.alert.acknowledged', { alertId, actor, sessionId: alert.sessionId });
      return alert;
    });
  }
}
