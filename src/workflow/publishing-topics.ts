import { declareAlerts, declareTopics } from '../telemetry/declare.js';

/**
 * The publishing lifecycle's topics: moderation decisions, a batch turning ready, schedule
 * overrides (emitted by the services), canon application and publication (the workflows).
 */
export const publishingTopics = declareTopics([
  'world.delta.decided',
  'world.delta.applied',
  'telemetry.publish.batch.ready',
  'telemetry.publish.batch.published',
  'telemetry.publish.digest.published',
  'telemetry.publish.schedule.overridden',
  'telemetry.search.drift',
  'world.delta.bulkDecided',
  'world.entity.contestDecided',
  'moderation.escalated',
  'moderation.window.closed',
]);

export const publishingAlerts = declareAlerts({
  'publish.search_drift': 'medium',
  /** The moderation window closed with deltas undecided and the policy holds the batch (`onWindowClose: hold`). */
  'publish.batch_held': 'critical',
  /** Deltas undecided at the window's close were carried to a follow-up batch that waits for them. */
  'publish.batch_carried': 'high',
});
