import type { Momentum } from '../domain/index.js';
import type { Job } from '../engine/types.js';
import type { ClosureTrigger } from '../sessions/session-types.js';

export const closureWorkflowName = 'session.closure';

/** What a closure job carries (spec section 2), captured in the closing transaction. */
export interface ClosureJobPayload {
  sessionId: string;
  trigger: ClosureTrigger;
  auditRef: string;
  reason: string;
  closedBy: string;
  closedAt: number;
  momentum: Momentum | null;
  /** Change cursor at closure: reconciliation acknowledges up to here and no further. */
  changeCursor: number;
  lastAckCursor: number;
  pendingChecks: number;
  /** The closing request's trace (W3C traceparent), continued by the job's spans; absent when tracing is off. */
  traceparent?: string;
}

export interface ClosureJobResult {
  summaryVersion: number;
  mentionCount: number;
  deltaCount: number;
  publishing: { batchId: string; scheduledAt: number; status: string; moderation: Record<string, number> };
  searchJobCount: number;
  [key: string]: unknown;
}

/** A job read through the engine is a closure job when its workflow says so (then its payload is one). */
export function isClosureJob(job: Job<unknown>): job is Job<ClosureJobPayload> {
  return job.workflow === closureWorkflowName;
}
