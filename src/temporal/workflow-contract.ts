/**
 * What the Temporal workflow (workflows.ts, bundled into Temporal's sandbox) and the activities
 * (activities.ts, in the worker's Node.js) agree on. Types and constants only: the workflow
 * bundle may import nothing that does I/O.
 */

/** The one generic workflow type: it runs any registered workflow definition's steps. */
export const jobWorkflowType = 'afterwordJob';
/** Signal: the job's schedule or its signals changed in the store; read them again. */
export const wakeSignalName = 'afterword.wake';

export interface JobWorkflowInput {
  jobId: string;
  /** The job's SLA: a workflow timer reports it while it is late. */
  slaMs: number | null;
}

/** Activity options the engine passes to the workflow (from the config schema, `temporal.activity`). */
export interface ActivitySettings {
  /**
   * A due-later job's timer lasts at most this long; then the job's due time is read from the store
   * again (the store's clock is the one authority: an operator's `--now`, a test's clock).
   */
  dueRecheckMs: number;
  startToCloseMs: number;
  heartbeatTimeoutMs: number;
  retry: { initialIntervalMs: number; backoffCoefficient: number; maximumIntervalMs: number; maximumAttempts: number };
}

export type JobState =
  | { status: 'missing' | 'completed' | 'failed' | 'cancelled' }
  | { status: 'queued' | 'retrying' | 'processing'; runAt: number; dueInMs: number };

export interface BegunAttempt {
  /** The definition's steps without a checkpoint, in order: the ones this attempt runs. */
  steps: string[];
  attempt: number;
}

/** Failure types the activities throw (ApplicationFailure `type`), which the workflow reads. */
export const failureTypes = {
  waitForSignal: 'afterword.wait_for_signal',
  leaseLost: 'lease_lost',
} as const;

export interface JobActivities {
  /** The job's status and when it is due. */
  jobState(jobId: string): Promise<JobState>;
  /** Begin an attempt under `token` (idempotent); null when the job is not there to run. */
  beginAttempt(jobId: string, token: string, owner: string): Promise<BegunAttempt | null>;
  /** Run one step (skipped when its checkpoint exists) and commit its effects with the checkpoint. */
  runStep(jobId: string, token: string, step: string): Promise<{ skipped: boolean }>;
  /** Complete the job from its checkpoints (idempotent). */
  completeJob(jobId: string, token: string): Promise<void>;
  /** Record a failed attempt: retrying at `retryAt`, or failed for good (`final`). */
  failAttempt(jobId: string, token: string, error: SerializedError): Promise<{ final: boolean }>;
  /** A step waits for a signal: the job waits, due at `until` or when signalled. */
  parkJob(jobId: string, token: string, signal: string, until: number, since: number): Promise<void>;
  /** The SLA timer fired: report the job if it is still late; when to look again otherwise. */
  checkSla(jobId: string): Promise<{ recheckInMs: number | null }>;
}

/** A step's error as it crosses from the activity to the workflow. */
export interface SerializedError {
  message: string;
  code: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}
