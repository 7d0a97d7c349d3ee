import { declareTopics } from '../telemetry/declare.js';

/**
 * The built-in engine's own topics: generic job transitions, for every workflow. Workflows add
 * their own domain topics through their hooks (the closure's `offline.sessionClosure.*`).
 * Operator actions (`cancelled`, `retried`, `rerun`, `rescheduled`) carry the actor.
 */
export const engineTopics = declareTopics([
  'engine.job.queued',
  'engine.job.started',
  'engine.job.completed',
  'engine.job.failed',
  'engine.job.retrying',
  'engine.job.cancelled',
  'engine.job.retried',
  'engine.job.rerun',
  'engine.job.rescheduled',
  'engine.job.signalled',
  'engine.job.waiting',
]);
