import type { AfterwordConfig } from '../config.js';
import {
  DeterministicSummariser,
  type SanitisedTranscript,
  type StorySummary,
  type Summariser,
  type SummariseOptions,
} from '../domain/index.js';
import { type BoundedCallOptions, callWithDeadline, StageTimeout } from './bounded-call.js';
import { ChatCompletionsSummariser } from './llm-summariser.js';

/** The summariser the configuration names (`pipeline.summariser`); null means deterministic. */
export function summariserFromConfig(pipeline: AfterwordConfig['pipeline']): Summariser | null {
  if (pipeline.summariser !== 'llm') return null;
  const { url, model, apiKey, maxInputChars } = pipeline.llm;
  // The schema requires url and model when summariser is 'llm'.
  return new ChatCompletionsSummariser({
    url: url as string,
    model: model as string,
    ...(apiKey ? { apiKey } : {}),
    maxInputChars,
  });
}

export interface SummariseStageOptions extends BoundedCallOptions {
  /** null: the deterministic summariser, no timeout needed. */
  summariser: Summariser | null;
}

/**
 * Runs the configured summariser with a timeout, heartbeating while it runs; on a timeout (or
 * an error, for a summariser with `fallbackOnError`) it falls back to the deterministic summariser and says so on the summary
 * (`generator.fallback`), which the consolidate step also emits as an event. A deterministic
 * summary is recorded as such. The job losing its lease is not a fallback: it rethrows.
 */
export async function summariseWithFallback(
  input: SanitisedTranscript,
  opts: SummariseOptions,
  stage: SummariseStageOptions,
): Promise<StorySummary> {
  const deterministic = new DeterministicSummariser();
  const plain = (): StorySummary => ({
    ...deterministic.summarise(input, opts),
    generator: { summariser: 'deterministic', model: null, fallback: null },
  });
  const s = stage.summariser;
  if (!s) return plain();
  const name = s.name ?? 'custom';
  try {
    const summary = await callWithDeadline(`summariser ${name}`, (signal) => s.summarise(input, opts, { signal }), stage);
    return { ...summary, generator: { summariser: name, model: s.model ?? null, fallback: null } };
  } catch (error) {
    if (stage.signal?.aborted) throw error;
    const reason = error instanceof StageTimeout ? 'timeout' : 'error';
    if (reason === 'error' && s.fallbackOnError !== true) throw error; // the step fails and is retried
    const fallback = plain();
    return {
      ...fallback,
      generator: {
        summariser: 'deterministic',
        model: null,
        fallback: { from: name, reason, message: (error as Error)?.message ?? String(error) },
      },
    };
  }
}
