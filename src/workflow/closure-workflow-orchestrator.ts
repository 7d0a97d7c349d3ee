import type { Job } from '../engine/types.js';
import type { EngineWorkers, EngineWorkerStats, WorkflowEngine } from '../engine/workflow-engine.js';

/**
 * ClosureWorkflowOrchestrator (spec section 3): the seed's name for this process's workers, on
 * whichever engine runs. `start()` picks up every runnable job and follows new ones; `stop()`
 * drains; `run(jobId)` runs one job now under the same lease rules, so it can never run a job twice.
 */
export class ClosureWorkflowOrchestrator {
  private workers: EngineWorkers | null = null;

  constructor(
    private readonly engine: WorkflowEngine,
    private readonly options: { concurrency: number; workerId?: string; workflows?: string[] },
  ) {}

  async start(): Promise<void> {
    this.workers ??= await this.engine.startWorkers(this.options);
  }

  async stop(drainTimeoutMs?: number): Promise<{ drained: number; released: number }> {
    return this.workers ? this.workers.stop(drainTimeoutMs) : { drained: 0, released: 0 };
  }

  run(jobId: string): Promise<Job> {
    return this.started().run(jobId);
  }

  untilIdle(): Promise<void> {
    return this.started().untilIdle();
  }

  stats(): EngineWorkerStats {
    return this.workers?.stats() ?? { running: 0, claimed: 0, completed: 0, failed: 0, retried: 0 };
  }

  private started(): EngineWorkers {
    if (!this.workers) throw new Error('the orchestrator has not been started');
    return this.workers;
  }
}
