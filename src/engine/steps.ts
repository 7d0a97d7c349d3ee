import type { Job, StepContext, StepDefinition } from './types.js';
import type { Tx } from '../telemetry/outbox.js';

/**
 * A workflow's steps with their output types flowing from step to step: each step's `run` sees
 * `ctx.outputs` typed with the checkpoints of the steps before it, and the workflow's `result`
 * sees them all. The engine stores checkpoints as JSON and hands them back untyped; this builder
 * is where the types are given back, once, for outputs that exactly these steps stored.
 *
 *   const steps = defineSteps<Payload>()
 *     .step('fetch', { run: () => ({ n: 1 }) })
 *     .step('double', { run: ({ outputs }) => ({ m: outputs.fetch.n * 2 }) });
 *   steps.result((outputs) => ({ m: outputs.double.m }));
 */
export interface StepList<P, Outputs> {
  readonly steps: ReadonlyArray<StepDefinition<P, any, any, any>>;
  step<N extends string, R, O = R>(
    name: N,
    definition: {
      run(ctx: StepContext<P, Readonly<Outputs>>): Promise<R> | R;
      commit?(tx: Tx, output: R, ctx: StepContext<P, Readonly<Outputs>>): Promise<O> | O;
    },
  ): StepList<P, Outputs & { readonly [K in N]: O }>;
  /** The workflow's `result` function over the typed outputs of every step. */
  result<R>(
    build: (outputs: Readonly<Outputs>, job: Job<P>) => R,
  ): (outputs: Readonly<Record<string, unknown>>, job: Job<P>) => R;
}

/** The outputs type of a step list: `StepOutputs<typeof steps>`. */
export type StepOutputs<L> = L extends StepList<any, infer O> ? O : never;

function stepList<P, Outputs>(steps: ReadonlyArray<StepDefinition<P, any, any, any>>): StepList<P, Outputs> {
  return {
    steps,
    step(name, definition) {
      return stepList([...steps, { name, ...definition }]);
    },
    // The checkpoints were stored by these steps, step by step, so they have these types.
    result: (build) => (outputs, job) => build(outputs as Readonly<Outputs>, job),
  };
}

/** No steps yet: no outputs. */
type NoOutputs = Record<never, never>;

export function defineSteps<P>(): StepList<P, NoOutputs> {
  return stepList<P, NoOutputs>([]);
}
