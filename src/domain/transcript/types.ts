import type { Momentum, Severity, Turn } from '../types.js';

/** A safety event keeps the flags and severity its source gave it (spec 9 defect). */
export interface SafetyEvent {
  source: 'change-feed' | 'transcript';
  kind: string;
  flags: string[];
  severity: Severity;
  /** true when the source gave no severity and `medium` was assumed. */
  severityDefaulted: boolean;
  capabilityRefs: string[];
  cursor: number | null;
  turnId: string | null;
  createdAt: number;
  payload: Record<string, unknown>;
}

export interface SessionMetadata {
  sessionId: string;
  character: { id?: string; name?: string; [k: string]: unknown } | null;
  location: { id?: string; name?: string; [k: string]: unknown } | null;
  momentum: Momentum | null;
  closure: { closedAt: number | null; closedBy: string | null; reason: string | null; auditRef: string | null };
  sceneTitles: Record<string, string>;
  actTitles: Record<string, string>;
  tags: string[];
}

export interface SanitisedTranscript {
  sessionId: string;
  turns: Turn[];
  /** turnIds dropped because their text was empty after cleaning, or repeated. */
  droppedTurnIds: string[];
  safetyEvents: SafetyEvent[];
  metadata: SessionMetadata;
  /** Highest change-feed cursor seen; reconciliation acknowledges up to here only. */
  maxCursor: number | null;
}

export interface SanitiseOptions {
  maxLineLength?: number;
}
