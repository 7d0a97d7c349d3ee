import type { DurableEngine } from '../engine/engine.js';
import type { Job } from '../engine/types.js';
import type { Worker } from '../engine/worker.js';

/**
 * ClosureWorkflowOrchestrator (spec section 3): the seed's name for the process-local worker
 * pool. `start()` picks up every runnable job and follows new ones; `stop()` drains; `run(jobId)`
 * runs one job now under the same lease rules, so it can never run a job twice.
 */
export class ClosureWorkflowOrchestrator {
  readonly worker: Worker;

  constructor(engine: DurableEngine, options: { concurrency: number; workerId?: string; workflows?: string[] }) {
    this.worker = engine.createWorker({
      concurrency: options.concurrency,
      ...(options.workerId ? { workerId: options.workerId } : {}),
      ...(options.workflows ? { workflows: options.workflows } : {}),
    });
  }

  start(): Promise<void> {
    return this.worker.start();
  }

  stop(drainTimeoutMs?: number): Promise<{ drained: number; released: number }> {
    return this.worker.stop(drainTimeoutMs);
  }

  run(jobId: string): Promise<Job> {
    return this.worker.runJob(jobId);
  }

  untilIdle(): Promise<void> {
    return this.worker.untilIdle();
  }
}
