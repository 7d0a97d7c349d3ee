import type { WorkflowDefinition } from '../../src/engine/types.js';

export const chaosSteps = ['extract', 'decide', 'publish'] as const;

/** Three steps; each does a little asynchronous work (so kills land mid-step) and writes one artefact row in its commit. */
export function chaosWorkflow(): WorkflowDefinition {
  return {
    name: 'chaos',
    maxAttempts: 100,
    steps: chaosSteps.map((step) => ({
      name: step,
      async run(ctx) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
        return { step, attempt: ctx.attempt };
      },
      async commit(tx, output, ctx) {
        await tx.run('INSERT INTO chaos_artefacts (job_id, step, attempt) VALUES (?, ?, ?)', [ctx.job.jobId, step, ctx.attempt]);
        return output;
      },
    })),
    result: (outputs) => ({ steps: Object.keys(outputs).length }),
  };
}
