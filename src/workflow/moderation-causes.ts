/**
 * Alert cause keys of moderation and publishing: an alert raised with one is deduplicated while
 * unresolved, and the code that removes the cause resolves it (telemetry/alert-lifecycle.ts).
 */

/** A batch waiting at its gate for review (resolved when the gate opens or the batch is replaced). */
export const batchModerationCause = (batchId: string) => `batch:${batchId}:moderation`;

/** A batch kept at its gate after its moderation window closed (`onWindowClose: hold`). */
export const batchHeldCause = (batchId: string) => `batch:${batchId}:held`;

/** One delta that needs a decision on its own (an unattached capability). */
export const deltaCause = (deltaId: string) => `delta:${deltaId}`;

/** A closure job's failures and lateness (resolved when the job completes). */
export const jobCauses = (jobId: string) => ({
  failed: `job:${jobId}:failed`,
  attempt: `job:${jobId}:attempt`,
  sla: `job:${jobId}:sla`,
});
