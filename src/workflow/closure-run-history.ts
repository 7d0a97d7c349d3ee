import { listBatches, type StoredBatch } from '../canon/publishing-store.js';
import type { Job } from '../engine/types.js';
import type { WorkflowEngine } from '../engine/workflow-engine.js';
import type { RunHistory, WorkflowRun } from '../sessions/session-types.js';
import type { SqlExecutor } from '../store/ports.js';
import { type ClosureJobPayload, type ClosureJobResult, closureWorkflowName, isClosureJob } from './closure-payload.js';

/**
 * A session's workflow run history (spec section 1), read from its closure jobs: the job row is
 * the one record of a run, so nothing mirrors it on each transition. The newest `retention`
 * runs are kept in view (`closure.historyRetention`), and `total` says how many that is, so the
 * cap is never silent.
 */
export class ClosureRunHistory implements RunHistory {
  constructor(
    private readonly engine: WorkflowEngine,
    private readonly db: SqlExecutor,
    private readonly retention: number,
  ) {}

  async page(sessionId: string, limit: number, before?: number) {
    const kept = await this.jobs(sessionId, this.retention);
    const after = before === undefined ? kept : kept.filter((job) => job.seq < before);
    const jobs = after.slice(0, limit);
    const last = jobs[jobs.length - 1];
    return {
      runs: await this.toRuns(sessionId, jobs),
      total: kept.length,
      next: jobs.length === limit && last ? last.seq : null,
    };
  }

  async latest(sessionId: string): Promise<WorkflowRun | null> {
    const [run] = await this.toRuns(sessionId, await this.jobs(sessionId, 1));
    return run ?? null;
  }

  private async jobs(sessionId: string, limit: number): Promise<Job<ClosureJobPayload>[]> {
    const jobs = await this.engine.listJobs({ workflow: closureWorkflowName, concurrencyKey: sessionId, limit });
    const closures: Job<ClosureJobPayload>[] = [];
    for (const job of jobs) if (isClosureJob(job)) closures.push(job);
    return closures;
  }

  private async toRuns(sessionId: string, jobs: Job<ClosureJobPayload>[]): Promise<WorkflowRun[]> {
    if (jobs.length === 0) return [];
    const completed = jobs.some((job) => job.result !== null);
    const batches = completed ? new Map((await listBatches(this.db, { sessionId })).map((b) => [b.batchId, b])) : new Map();
    return jobs.map((job) => toRun(job, batches));
  }
}

/** How a job's status reads in the history: a failed attempt that will be retried is a failed run until it starts again. */
const runStatus: Record<Job['status'], string> = {
  queued: 'queued',
  processing: 'processing',
  retrying: 'failed',
  failed: 'failed',
  completed: 'completed',
  cancelled: 'cancelled',
};

function toRun(job: Job<ClosureJobPayload>, batches: Map<string, StoredBatch>): WorkflowRun {
  const result = job.result as ClosureJobResult | null;
  const publishing = result?.publishing ?? null;
  const batch = publishing ? batches.get(publishing.batchId) : undefined;
  const failed = job.status === 'failed' || job.status === 'retrying';
  return {
    jobId: job.jobId,
    sessionId: job.payload.sessionId,
    auditRef: job.payload.auditRef,
    trigger: job.payload.trigger,
    status: runStatus[job.status],
    startedAt: job.startedAt,
    completedAt: job.completedAt,
    durationMs: job.durationMs,
    attempts: job.attempts,
    summaryVersion: result?.summaryVersion ?? null,
    mentionCount: result?.mentionCount ?? null,
    deltaCount: result?.deltaCount ?? null,
    publishingBatchId: publishing?.batchId ?? null,
    // Where the batch is now: awaiting moderation, or ready (a published batch was ready).
    publishingStatus: batch ? (batch.status === 'published' ? 'ready' : batch.status) : (publishing?.status ?? null),
    moderation: publishing?.moderation ?? null,
    error: failed && job.error ? { message: job.error.message, code: job.error.code } : null,
  };
}
