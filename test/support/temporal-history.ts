/**
 * What a job's workflow looks like in Temporal, for tests that check how an operator action
 * reached it (a re-run's reset): the current run, and the `runStep` activities of its history
 * that ran a step (not skipped), before and after the reset point the run was created from.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Afterword } from '../../src/app.js';
import type { TemporalEngine } from '../../src/temporal/temporal-engine.js';

export interface RunSteps {
  runId: string;
  status: string;
  /** Resets in this run's history (WorkflowTaskFailed events naming a base and a new run). */
  resets: number;
  /** Steps whose `runStep` completed (and ran, not skipped) before the reset point, in order. */
  before: string[];
  /** The same after the reset point (all of them when the run is no reset). */
  after: string[];
}

export async function currentRun(app: Afterword, jobId: string): Promise<RunSteps> {
  const client = await (app.engine as TemporalEngine).temporalClient();
  const description = await client.workflow.getHandle(jobId).describe();
  const history = await client.workflow.getHandle(jobId, description.runId).fetchHistory();
  const scheduled = new Map<string, string>();
  const result: RunSteps = { runId: description.runId, status: description.status.name, resets: 0, before: [], after: [] };
  const events = history.events ?? [];
  const resetAt = events.findIndex((e) => Boolean(e.workflowTaskFailedEventAttributes?.newRunId));
  for (const [index, event] of events.entries()) {
    if (event.workflowTaskFailedEventAttributes?.newRunId) result.resets++;
    const attributes = event.activityTaskScheduledEventAttributes;
    if (attributes?.activityType?.name === 'runStep') {
      const step = attributes.input?.payloads?.[2];
      scheduled.set(String(event.eventId), step ? String(defaultPayloadConverter.fromPayload(step)) : '?');
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const step = completed ? scheduled.get(String(completed.scheduledEventId)) : undefined;
    if (!completed || step === undefined) continue;
    const output = completed.result?.payloads?.[0];
    const ran = output ? (defaultPayloadConverter.fromPayload(output) as { skipped: boolean }).skipped === false : false;
    if (ran) (resetAt >= 0 && index < resetAt ? result.before : result.after).push(step);
  }
  return result;
}
