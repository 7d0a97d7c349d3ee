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
}

/** What a caller says about an alert; the reason's severity comes from its declaration. */
export interface AlertInput {
  sessionId?: string | null | undefined;
  jobId?: string | null | undefined;
  data?: Record<string, unknown>;
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
  };
}
