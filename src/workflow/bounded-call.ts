/**
 * How the closure runs a pluggable stage that may be slow or remote (a summariser, an NER
 * service): within a deadline, keeping the job's lease while it waits, and cancellable both by
 * the deadline and by the step losing its job.
 */
export interface BoundedCallOptions {
  timeoutMs: number;
  heartbeatMs: number;
  /** Keeps the job's lease (StepContext.heartbeat) while the call runs. */
  heartbeat: () => Promise<void>;
  /** The step's signal: the job was taken away. */
  signal?: AbortSignal | undefined;
}

/** The call took longer than its deadline (it was aborted). */
export class StageTimeout extends Error {
  override readonly name = 'StageTimeout';
}

/**
 * Run `call` with an abort signal that fires at the deadline or when the step's own signal does,
 * heartbeating every `heartbeatMs` meanwhile. Rejects with `StageTimeout` at the deadline even if
 * the call ignores its signal; whatever the call rejects with otherwise.
 */
export async function callWithDeadline<T>(
  what: string,
  call: (signal: AbortSignal) => Promise<T> | T,
  options: BoundedCallOptions,
): Promise<T> {
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const beat = setInterval(() => {
    options.heartbeat().catch(() => undefined); // a lost lease aborts options.signal; the caller sees it
  }, options.heartbeatMs);
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new StageTimeout(`${what} took longer than ${options.timeoutMs} ms`);
        abort.abort(error);
        reject(error);
      }, options.timeoutMs);
    });
    return await Promise.race([Promise.resolve().then(() => call(abort.signal)), deadline]);
  } finally {
    clearTimeout(timer);
    clearInterval(beat);
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}
