import type { AfterwordConfig } from '../config.js';
import {
  DeterministicSummariser,
  type SanitisedTranscript,
  type StorySummary,
  type Summariser,
  type SummariseOptions,
} from '../domain/index.js';
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

export interface SummariseStageOptions {
  /** null: the deterministic summariser, no timeout needed. */
  summariser: Summariser | null;
  timeoutMs: number;
  heartbeatMs: number;
  /** Keeps the job's lease (StepContext.heartbeat) while a slow call runs. */
  heartbeat: () => Promise<void>;
  /** The step's signal: the job was taken away; then nothing falls back, the error stands. */
  signal?: AbortSignal;
}

class SummariserTimeout extends Error {}

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
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(stage.signal?.reason);
  stage.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const beat = setInterval(() => {
    stage.heartbeat().catch(() => undefined); // a lost lease aborts stage.signal; handled below
  }, stage.heartbeatMs);
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new SummariserTimeout(`summariser ${name} took longer than ${stage.timeoutMs} ms`);
        abort.abort(e);
        reject(e);
      }, stage.timeoutMs);
    });
    const summary = await Promise.race([Promise.resolve(s.summarise(input, opts, { signal: abort.signal })), timeout]);
    return { ...summary, generator: { summariser: name, model: s.model ?? null, fallback: null } };
  } catch (error) {
    if (stage.signal?.aborted) throw error;
    const reason = error instanceof SummariserTimeout ? 'timeout' : 'error';
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
  } finally {
    clearTimeout(timer);
    clearInterval(beat);
    stage.signal?.removeEventListener('abort', onOuterAbort);
  }
}
