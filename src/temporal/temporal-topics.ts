import { declareAlerts, declareTopics } from '../telemetry/declare.js';

/**
 * The Temporal engine's alert: closures are committed but their workflows could not be started
 * (Temporal unreachable) for longer than `temporal.relay.alertAfterMs`. Nothing is lost: the
 * outbox keeps them and the relay goes on retrying; the reason is the spec's.
 */
export const temporalAlerts = declareAlerts({ 'offline.enqueue_failed': 'high' });

/**
 * The Temporal engine's own topic: how an operator's re-run from a step reached Temporal
 * (after `engine.job.rerun`, which both engines record). `mode: 'reset'`: the workflow was reset
 * to just before the step's first activity (`runId` the new run, `resetEventId` the
 * WorkflowTaskCompleted event it was reset to; `repeated: true` when the outbox row was sent
 * again after its reset was done, which resets nothing); `mode: 'new_run'`: a new run started
 * instead (`reason`: `history_not_found`, `step_not_scheduled` or `reset_refused: ...`).
 */
export const temporalTopics = declareTopics(['temporal.job.rerun']);
