/**
 * The Temporal workflow code (bundled by the worker into Temporal's deterministic sandbox: it may
 * import only @temporalio/workflow and types). ONE generic workflow runs any registered workflow
 * definition (closure, publishing batch, digest): the step code itself runs in activities, the
 * same `defineSteps` code the built-in engine runs, and the store's job row stays the record.
 *
 * The loop: read the job's state; wait (a durable timer) until it is due, woken early by the
 * `afterword.wake` signal (reschedule, `WorkflowEngine.signal`); begin an attempt; run each step
 * as an activity; complete. A step error ends the attempt: retried with back-off (the job row
 * says `retrying` until its `runAt`) or failed for good, exactly as on the built-in engine. A
 * step that waits for a signal parks the job and the loop waits for the wake. The SLA watchdog is
 * a timer of its own that reports the job while it is late.
 *
 * Changing this file changes the command sequence of running workflows: guard a change with
 * `patched()` and keep the replay test green (docs/operations.md, "Upgrading workflow code").
 */
import {
  ApplicationFailure,
  ActivityFailure,
  condition,
  defineSignal,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type ActivitySettings,
  failureTypes,
  type JobActivities,
  type JobWorkflowInput,
  type SerializedError,
  wakeSignalName,
} from './workflow-contract.js';

export const wakeSignal = defineSignal<[]>(wakeSignalName);

/** Added after the first histories were recorded: runs replayed from before it take the old path. */
const cancelRequestPatch = 'await-cancel-request';
const cancelRequestGraceMs = 60_000;

function activities(settings: ActivitySettings): JobActivities {
  return proxyActivities<JobActivities>({
    startToCloseTimeout: settings.startToCloseMs,
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    retry: {
      initialInterval: settings.retry.initialIntervalMs,
      backoffCoefficient: settings.retry.backoffCoefficient,
      maximumInterval: settings.retry.maximumIntervalMs,
      // 0 means unlimited: a worker that died is always replaced.
      ...(settings.retry.maximumAttempts > 0 ? { maximumAttempts: settings.retry.maximumAttempts } : {}),
      nonRetryableErrorTypes: ['invalid_input'],
    },
  });
}

/** The ApplicationFailure an activity threw, if that is what ended it. */
function applicationFailure(error: unknown): ApplicationFailure | null {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause;
  if (error instanceof ApplicationFailure) return error;
  return null;
}

function serialized(error: unknown): SerializedError {
  const failure = applicationFailure(error);
  const detail = failure?.details?.[0] as SerializedError | undefined;
  if (detail && typeof detail.code === 'string') return detail;
  const message = error instanceof Error ? error.message : String(error);
  return { message, code: failure?.type ?? 'step_failed', retryable: !failure?.nonRetryable };
}

export async function afterwordJob(input: JobWorkflowInput, settings: ActivitySettings): Promise<string> {
  const acts = activities(settings);
  let wakes = 0;
  setHandler(wakeSignal, () => {
    wakes++;
  });
  const { runId } = workflowInfo();
  // Its timer is cancelled with the run (a cancel request): that ends it, and is no failure.
  if (input.slaMs !== null) watchSla(acts, input.jobId, input.slaMs).catch(() => undefined);
  let round = 0;
  for (;;) {
    const state = await acts.jobState(input.jobId);
    if (state.status === 'cancelled' && patched(cancelRequestPatch)) {
      // Cancelled in the store: its cancel request is on its way through the outbox. Wait for it
      // (at most a minute), so the run ends as cancelled in Temporal too, not as completed.
      await condition(() => false, cancelRequestGraceMs);
    }
    if (state.status !== 'queued' && state.status !== 'retrying' && state.status !== 'processing') return state.status;
    if (state.status !== 'processing') {
      if (state.dueInMs > 0) {
        const seen = wakes;
        await condition(() => wakes !== seen, Math.min(state.dueInMs, settings.dueRecheckMs));
        continue;
      }
    }
    const token = `${runId}:${++round}`;
    const since = Date.now();
    const begun = await acts.beginAttempt(input.jobId, token, `temporal:${runId}`);
    if (!begun) continue;
    try {
      for (const step of begun.steps) await acts.runStep(input.jobId, token, step);
      await acts.completeJob(input.jobId, token);
      return 'completed';
    } catch (error) {
      if (isCancellation(error)) throw error;
      const failure = applicationFailure(error);
      if (failure?.type === failureTypes.leaseLost) continue;
      if (failure?.type === failureTypes.waitForSignal) {
        const [wait] = (failure.details ?? []) as Array<{ signal: string; until: number }>;
        if (wait) await acts.parkJob(input.jobId, token, wait.signal, wait.until, since);
        continue;
      }
      const { final } = await acts.failAttempt(input.jobId, token, serialized(error));
      if (final) return 'failed';
    }
  }
}

/** The SLA watchdog as a timer: when the SLA has passed, report the job if it is still late. */
async function watchSla(acts: JobActivities, jobId: string, slaMs: number): Promise<void> {
  let waitMs = slaMs;
  for (;;) {
    await sleep(Math.max(1, waitMs));
    const { recheckInMs } = await acts.checkSla(jobId);
    if (recheckInMs === null) return;
    waitMs = recheckInMs;
  }
}
