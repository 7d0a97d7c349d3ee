import { escalateAlertOfCause, resolveAlertsOfCauses } from './alert-store.js';
import type { AdminAlert, Severity } from './alerts.js';
import type { Tx } from './outbox.js';
import { telemetryTopics } from './telemetry-topics.js';
import type { EventPayload } from './topics.js';

/**
 * The alert lifecycle's transitions that follow a cause (alerts.ts documents the states): the
 * code that removes a cause resolves its alerts in the same transaction, and an escalation raises
 * a cause's alert in severity and sends it again (`admin.alert` once more, with its new severity).
 */

/** Resolve every unresolved alert of these causes (`resolution` says why: 'delta_decided', ...). */
export async function resolveAlerts(tx: Tx, causeKeys: readonly string[], resolution: string): Promise<number> {
  if (causeKeys.length === 0) return 0;
  const resolved = await resolveAlertsOfCauses(tx, [...new Set(causeKeys)], resolution, tx.now);
  for (const alert of resolved) {
    await telemetryTopics.emit(tx, 'admin.alert.resolved', {
      alertId: alert.id,
      reason: alert.reason,
      causeKey: alert.causeKey ?? null,
      resolution,
      sessionId: alert.sessionId,
    });
  }
  return resolved.length;
}

/** Escalate a cause's unresolved alert to `severity` at `level` (once per level): re-sent as `admin.alert`. */
export async function escalateAlert(tx: Tx, causeKey: string, severity: Severity, level: number): Promise<AdminAlert | null> {
  const alert = await escalateAlertOfCause(tx, causeKey, severity, level, tx.now);
  if (!alert) return null;
  const { jobId: _jobId, ...sent } = alert;
  await telemetryTopics.emit(tx, 'admin.alert', sent as unknown as EventPayload, { sessionId: alert.sessionId });
  await telemetryTopics.emit(tx, 'admin.alert.escalated', {
    alertId: alert.id,
    reason: alert.reason,
    causeKey,
    severity,
    level,
    sessionId: alert.sessionId,
  });
  return alert;
}

/** The next severity up (critical stays critical). */
export function raisedSeverity(severity: Severity): Severity {
  return severity === 'low' ? 'medium' : severity === 'medium' ? 'high' : 'critical';
}
