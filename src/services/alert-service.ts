import { AfterwordError } from '../errors.js';
import type { Store } from '../store/store.js';
import { acknowledgeAlert, getAlert, listAlerts } from '../telemetry/alert-store.js';
import type { Tx } from '../telemetry/outbox.js';
import { telemetryTopics } from '../telemetry/telemetry-topics.js';

/** Persisted admin alerts: listed and acknowledged by operators. */
export class AlertService {
  constructor(private readonly store: Store<Tx>) {}

  async list(
    query: {
      open?: boolean | undefined;
      sessionId?: string | undefined;
      reason?: string | undefined;
      limit?: number | undefined;
    } = {},
  ) {
    return listAlerts(this.store.driver, { ...query, limit: Math.min(Math.max(query.limit ?? 100, 1), 1000) });
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
