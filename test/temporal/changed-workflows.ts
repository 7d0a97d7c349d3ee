/**
 * A deliberately incompatible version of the workflow (src/temporal/workflows.ts) for the replay
 * test to refuse: it begins an attempt before reading the job's state, so the first command
 * differs from every recorded history. Never registered with a worker.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ActivitySettings, JobActivities, JobWorkflowInput } from '../../src/temporal/workflow-contract.js';

export async function afterwordJob(input: JobWorkflowInput, settings: ActivitySettings): Promise<string> {
  const acts = proxyActivities<JobActivities>({ startToCloseTimeout: settings.startToCloseMs });
  await acts.beginAttempt(input.jobId, 'changed', 'changed');
  await acts.jobState(input.jobId);
  return 'completed';
}
