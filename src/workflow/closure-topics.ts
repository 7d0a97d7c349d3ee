import { declareAlerts, declareTopics } from '../telemetry/declare.js';

/**
 * The closure workflow's topics, named as the spec names them (sections 2-7): the closure
 * lifecycle, the client-facing session transitions of a closure, workflow telemetry and the
 * stages' own events.
 */
export const closureTopics = declareTopics([
  'offline.sessionClosure.queued',
  'offline.sessionClosure.started',
  'offline.sessionClosure.completed',
  'offline.sessionClosure.failed',
  'offline.sessionClosure.retrying',
  'offline.sessionClosure.cancelled',
  'offline.sessionClosure.step',
  'session.statusChanged',
  'session.closed',
  'session.reconciled',
  'telemetry.offline.workflow.started',
  'telemetry.offline.workflow.completed',
  'telemetry.offline.workflow.failed',
  'telemetry.offline.workflow.latency',
  'intent.storyConsolidation.summaryReady',
  'telemetry.storyConsolidation.started',
  'telemetry.storyConsolidation.completed',
  'telemetry.storyConsolidation.failed',
  /** The configured summariser timed out or failed; the summary is the deterministic one. */
  'telemetry.storyConsolidation.fallback',
  'telemetry.extraction.completed',
  /** The external NER service (pipeline.tagger 'http') timed out or failed; extraction used its rules alone. */
  'telemetry.extraction.fallback',
  'world.delta.queued',
  'telemetry.publish.batch.prepared',
  'telemetry.search.sync.planned',
]);

/** The closure's admin alert reasons (spec section 3) with their severities. */
export const closureAlerts = declareAlerts({
  'offline.enqueue_failed': 'high',
  'offline.workflow_failed': 'critical',
  'offline.workflow_attempt_failed': 'medium',
  'offline.workflow_sla_exceeded': 'medium',
  world_delta_requires_moderation: 'medium',
  world_capability_unattached: 'high',
});
