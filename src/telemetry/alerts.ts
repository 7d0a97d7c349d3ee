import { readInt, readJson, type Row } from '../store/ports.js';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** A persisted admin alert (table `alerts`, owned by telemetry/alert-store.ts). */
export interface AdminAlert {
  id: string;
  topic: 'admin.alert';
  sessionId: string | null;
  createdAt: number;
  severity: Severity;
  reason: string;
  data: Record<string, unknown>;
  acknowledgedAt?: number | null;
  acknowledgedBy?: string | null;
  /** What raised it; at most one unresolved alert per cause (a second raise is the same alert). */
  causeKey?: string | null;
  /** Set when the cause went away (delta decided, batch published, job completed). */
  resolvedAt?: number | null;
  resolution?: string | null;
  /** How many times it was escalated (raised in severity and re-sent). */
  escalationLevel?: number;
}

/**
 * Alert lifecycle: open ──acknowledge──▶ acknowledged; open | acknowledged ──cause gone──▶
 * resolved (terminal). A raise whose cause already has an unresolved alert returns that alert
 * (deduplicated per cause); an escalation raises its severity and sends it again.
 */
export type AlertState = 'open' | 'acknowledged' | 'resolved';

/** What a caller says about an alert; the reason's severity comes from its declaration. */
export interface AlertInput {
  sessionId?: string | null | undefined;
  jobId?: string | null | undefined;
  data?: Record<string, unknown>;
  /** The cause, e.g. `batch:<id>:moderation`: dedupes raises and is how the alert is resolved. */
  causeKey?: string | undefined;
}

export function rowToAlert(row: Row): AdminAlert & { jobId: string | null } {
  return {
    id: String(row.id),
    topic: 'admin.alert',
    sessionId: (row.session_id as string | null) ?? null,
    jobId: (row.job_id as string | null) ?? null,
    createdAt: readInt(row.created_at),
    severity: row.severity as Severity,
    reason: String(row.reason),
    data: readJson(row.data, {}),
    acknowledgedAt: row.acknowledged_at === null || row.acknowledged_at === undefined ? null : readInt(row.acknowledged_at),
    acknowledgedBy: (row.acknowledged_by as string | null) ?? null,
    causeKey: (row.cause_key as string | null) ?? null,
    resolvedAt: row.resolved_at === null || row.resolved_at === undefined ? null : readInt(row.resolved_at),
    resolution: (row.resolution as string | null) ?? null,
    escalationLevel: row.escalation_level === undefined || row.escalation_level === null ? 0 : readInt(row.escalation_level),
  };
}
