/** Shared session-level types read by every pure stage (spec section 1). */
export type Speaker = 'gm' | 'player' | 'system';

export interface Turn {
  turnId: string;
  sceneId: string | null;
  actId: string | null;
  speaker: Speaker;
  text: string;
  /** epoch ms */
  timestamp: number;
  metadata: Record<string, unknown>;
}

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface ChangeFeedEntry {
  cursor: number;
  kind: string;
  payload: Record<string, unknown>;
  safetyFlags: string[];
  capabilityRefs: string[];
  severity?: Severity;
  createdAt: number;
}

export interface Momentum {
  current: number;
  floor: number;
  ceiling: number;
  baseline: number;
  history: Array<{ at: number; value: number; reason?: string }>;
}

export interface SessionContext {
  character?: { id?: string; name?: string; [k: string]: unknown };
  location?: { id?: string; name?: string; [k: string]: unknown };
  momentum?: Momentum;
  tags?: string[];
  sceneTitles?: Record<string, string>;
  actTitles?: Record<string, string>;
  [k: string]: unknown;
}

export interface SessionSnapshot {
  sessionId: string;
  context: SessionContext;
  closedAt: number | null;
  closedBy: string | null;
  closureReason: string | null;
  auditRef: string | null;
}

export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export function isSeverity(v: unknown): v is Severity {
  return typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
