import type { DurableEngine } from '../../src/engine/engine.js';
import type { Job, StepContext, WorkflowDefinition } from '../../src/engine/types.js';
import { type StoreContext, waitFor } from '../support/harness.js';

/** The job's checkpointed steps as `[step, attempt]` pairs, in step order (what a timeline assertion compares). */
export async function stepAttempts(engine: DurableEngine, jobId: string): Promise<Array<[string, number]>> {
  return (await engine.timeline(jobId)).steps.map((s) => [s.step, s.attempt]);
}

/** Resolve with the job once it has `status` (polling with a deadline). */
export function jobWithStatus(ctx: StoreContext, engine: DurableEngine, jobId: string, status: string): Promise<Job> {
  return waitFor(async () => {
    const job = await engine.getJob(jobId);
    return job?.status === status ? job : undefined;
  }, `job ${jobId} to be ${status} on ${ctx.dialect}`);
}

/** A promise with its resolver, for steps that wait until the test lets them go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Resolves when `signal` aborts; a gated step uses it so a drained worker can let go. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export interface TestWorkflowOptions {
  steps?: number;
  /** Throw this from step `failAt` (default the first, 0) of the given attempt (or undefined to succeed). */
  failOn?: (attempt: number) => Error | undefined;
  failAt?: number;
  /** Steps of this attempt wait on the gate (or abort) before finishing. */
  gates?: Map<number, Promise<void>>;
  /** Called when a step of an attempt starts running. */
  onStep?: (attempt: number, step: string) => void;
  maxAttempts?: number;
  slaMs?: number;
}

/**
 * A small workflow for engine tests: `steps` named steps checkpointed in job_steps; the first
 * step can fail on chosen attempts and any step can wait on a per-attempt gate.
 */
export function testWorkflow(name: string, options: TestWorkflowOptions = {}): WorkflowDefinition {
  const steps = Array.from({ length: options.steps ?? 2 }, (_, i) => ({
    name: `step-${i + 1}`,
    async run(ctx: StepContext<Record<string, unknown>>) {
      options.onStep?.(ctx.attempt, `step-${i + 1}`);
      if (i === (options.failAt ?? 0)) {
        const error = options.failOn?.(ctx.attempt);
        if (error) throw error;
      }
      const wait = options.gates?.get(ctx.attempt);
      if (wait) await Promise.race([wait, aborted(ctx.signal)]);
      return { step: i + 1, attempt: ctx.attempt };
    },
  }));
  return {
    name,
    steps,
    result: (outputs) => ({ steps: Object.keys(outputs).length }),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.slaMs ? { slaMs: options.slaMs } : {}),
  };
}
