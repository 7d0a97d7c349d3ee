import type { Cadence, SessionContext, Turn } from '../domain/index.js';

export type SessionStatus = 'active' | 'closed';
export type ClosureTrigger = 'session_closed' | 'inactivity' | 'manual';

/** One row of offline workflow history (spec section 1). */
export interface WorkflowRun {
  jobId: string;
  sessionId: string;
  auditRef: string;
  trigger: ClosureTrigger;
  status: string;
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
  attempts: number;
  summaryVersion: number | null;
  mentionCount: number | null;
  deltaCount: number | null;
  publishingBatchId: string | null;
  publishingStatus: string | null;
  moderation: Record<string, number> | null;
  error: { message: string; code: string } | null;
}

/**
 * Where a session's run history comes from: the closure jobs, read through the engine by the
 * workflow layer (closure-run-history.ts). Session memory depends on this, not on the engine.
 */
export interface RunHistory {
  /** Newest first, at most `limit`, after the run `before` points at; `total` is how many are kept. */
  page(sessionId: string, limit: number, before?: number): Promise<{ runs: WorkflowRun[]; total: number; next: number | null }>;
  /** The newest run, or null. */
  latest(sessionId: string): Promise<WorkflowRun | null>;
}

/**
 * Whose sessions a caller may create, read, write and close (the ownership model, docs/api.md):
 * `all` is every session (operators, the CLI, the demo, the workflows); `owner` is only the
 * sessions that name owns (a gm token), and a session it creates is owned by that name. An owner
 * never claims a session it does not own, including one that has no owner.
 */
export type SessionScope = { readonly kind: 'all' } | { readonly kind: 'owner'; readonly owner: string };

export const everySession: SessionScope = Object.freeze({ kind: 'all' });

export function ownedBy(owner: string): SessionScope {
  return Object.freeze({ kind: 'owner', owner });
}

export interface SessionRecord {
  sessionId: string;
  status: SessionStatus;
  /** The gm token name that created the session; null when an operator, an import or the demo did. */
  owner: string | null;
  context: SessionContext;
  createdAt: number;
  updatedAt: number;
  lastActivityAt: number;
  turnCount: number;
  transcriptChars: number;
  changeCursor: number;
  lastAckCursor: number;
  closedAt: number | null;
  /** Who closed it: always the authenticated principal (`role:name`) or `system`. */
  closedBy: string | null;
  /** A label the client sent with the close (display only; never the actor). */
  closedByLabel: string | null;
  closureReason: string | null;
  closureTrigger: ClosureTrigger | null;
  lastClosureAuditRef: string | null;
  lastClosureJobId: string | null;
  /** The change cursor captured at closure: reconciliation acknowledges up to here only. */
  closureCursor: number | null;
  pendingOfflineReconcile: boolean;
  offlineReconciledAt: number | null;
  offlineReconcileAuditRef: string | null;
  cadence: Cadence | null;
}

/** The directory summary clients and dashboards read (spec section 1). */
export interface SessionSummary extends SessionRecord {
  offlinePending: boolean;
  offlineLastRun: { status: string; completedAt: number | null; durationMs: number | null; summaryVersion: number | null } | null;
  lastOfflineWorkflowRun: WorkflowRun | null;
  historyCount: number;
  publishing: { nextBatchAt: number; nextDigestAt: number; moderationWindow: Cadence['moderationWindow'] } | null;
}

export interface StoredTurn extends Turn {
  seq: number;
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page, or null at the end. */
  nextCursor: string | null;
  total?: number;
}
