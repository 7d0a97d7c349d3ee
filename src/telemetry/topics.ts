/**
 * The topic catalogue: every event Afterword emits, named as the spec names it. Events are
 * committed rows (table `events`) before they are announced, so the log, metrics, the SSE stream
 * and other processes all see the same history in the same order.
 */
export const topics = [
  // closure lifecycle (spec section 2)
  'offline.sessionClosure.queued',
  'offline.sessionClosure.started',
  'offline.sessionClosure.completed',
  'offline.sessionClosure.failed',
  'offline.sessionClosure.retrying',
  'offline.sessionClosure.cancelled',
  'offline.sessionClosure.step',
  // client-facing session events
  'session.created',
  'session.turnsAppended',
  'session.statusChanged',
  'session.closed',
  'session.reconciled',
  // workflow telemetry (spec section 3)
  'telemetry.offline.workflow.started',
  'telemetry.offline.workflow.completed',
  'telemetry.offline.workflow.failed',
  'telemetry.offline.workflow.latency',
  // stages (spec sections 4-7)
  'intent.storyConsolidation.summaryReady',
  'telemetry.storyConsolidation.started',
  'telemetry.storyConsolidation.completed',
  'telemetry.storyConsolidation.failed',
  'telemetry.extraction.completed',
  'world.delta.queued',
  'world.delta.decided',
  'world.delta.applied',
  'world.imported',
  'telemetry.publish.batch.prepared',
  'telemetry.publish.batch.ready',
  'telemetry.publish.batch.published',
  'telemetry.publish.schedule.overridden',
  'telemetry.search.sync.planned',
  'telemetry.search.drift',
  // generic engine transitions for workflows other than the closure
  'engine.job.queued',
  'engine.job.started',
  'engine.job.completed',
  'engine.job.failed',
  'engine.job.retrying',
  'engine.job.cancelled',
  'engine.job.retried',
  // operators
  'admin.alert',
  'admin.alert.acknowledged',
] as const;

export type Topic = (typeof topics)[number];

export function isTopic(value: string): value is Topic {
  return (topics as readonly string[]).includes(value);
}

export type EventPayload = Record<string, unknown>;

/** An event as committed: `id` is the store's monotonically increasing event id. */
export interface StoredEvent {
  id: number;
  topic: Topic;
  sessionId: string | null;
  jobId: string | null;
  origin: string;
  payload: EventPayload;
  createdAt: number;
}

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** Admin alert reasons from the spec, with their severities. */
export const alertReasons = {
  'offline.enqueue_failed': 'high',
  'offline.workflow_failed': 'critical',
  'offline.workflow_attempt_failed': 'medium',
  'offline.workflow_sla_exceeded': 'medium',
  world_delta_requires_moderation: 'high',
  'publish.search_drift': 'medium',
} as const satisfies Record<string, Severity>;

export type AlertReason = keyof typeof alertReasons;

export interface AdminAlert {
  id: string;
  topic: 'admin.alert';
  sessionId: string | null;
  createdAt: number;
  severity: Severity;
  reason: AlertReason;
  data: Record<string, unknown>;
  acknowledgedAt?: number | null;
  acknowledgedBy?: string | null;
}
