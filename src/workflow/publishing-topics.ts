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
]);

export const publishingAlerts = declareAlerts({ 'publish.search_drift': 'medium' });
