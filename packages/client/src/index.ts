// @afterword/client: a typed client for game servers and tools, over openapi-fetch, with types
// generated from the service's /openapi.json (schema.ts; regenerate with `npm run generate-client`).
import createFetchClient from 'openapi-fetch';
import { Webhook } from 'standardwebhooks';
import type { components, paths } from './schema.js';

export type { components, paths } from './schema.js';
export type Job = components['schemas']['Job'];
export type StoredEvent = components['schemas']['StoredEvent'];
export type ErrorEnvelope = components['schemas']['Error'];

export interface Turn {
  turnId: string;
  speaker?: string;
  text: string;
  [field: string]: unknown;
}

/** An answer of the API that is not a success: carries the error envelope's stable `code`. */
export class AfterwordApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly envelope?: unknown,
  ) {
    super(message);
    this.name = 'AfterwordApiError';
  }
}

/** A wait that ran out of time (waitForClosure). */
export class AfterwordTimeoutError extends Error {
  readonly code = 'timeout';
  constructor(message: string) {
    super(message);
    this.name = 'AfterwordTimeoutError';
  }
}

export interface ClientOptions {
  baseUrl: string;
  token: string;
  /** Turns per request in appendTurns (default 100; the API takes at most 1000). */
  batchSize?: number;
  /** Attempts per request on network errors, 5xx and 429 (default 5). */
  maxAttempts?: number;
  /** First back-off in ms, doubled per retry (default 100). */
  backoffMs?: number;
  fetch?: typeof globalThis.fetch;
}

function apiError(status: number, body: unknown): AfterwordApiError {
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return new AfterwordApiError(status, error?.code ?? `http_${status}`, error?.message ?? `HTTP ${status}`, body);
}

const retryable = (status: number) => status === 429 || status >= 500;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createClient(options: ClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 100;
  const api = createFetchClient<paths>({
    baseUrl,
    headers: { authorization: `Bearer ${options.token}` },
    fetch: (request: Request) => fetchImpl(request),
  });

  /** Runs one request, retrying network errors, 5xx and 429 with the same body. */
  async function withRetry<T>(call: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let result: { data?: T; error?: unknown; response: Response };
      try {
        result = await call();
      } catch (error) {
        if (attempt >= maxAttempts) throw error;
        await delay(backoffMs * 2 ** (attempt - 1));
        continue;
      }
      if (result.response.ok) return result.data as T;
      if (!retryable(result.response.status) || attempt >= maxAttempts) throw apiError(result.response.status, result.error);
      await delay(backoffMs * 2 ** (attempt - 1));
    }
  }

  async function getJob(jobId: string): Promise<Job> {
    const timeline = await withRetry(() => api.GET('/v1/jobs/{jobId}', { params: { path: { jobId } } }));
    return timeline.job as Job;
  }

  return {
    /** The raw openapi-fetch client, for every other operation. */
    api,
    /** Create a session or replace its metadata. */
    upsertSession(sessionId: string, context: Record<string, unknown>) {
      return withRetry(() => api.PUT('/v1/sessions/{sessionId}', { params: { path: { sessionId } }, body: { context } as never }));
    },
    /** Append turns in batches; a retried batch reuses its turn ids, so the server skips what it already stored. */
    async appendTurns(sessionId: string, turns: Turn[], batchSize = options.batchSize ?? 100) {
      let appended = 0;
      let duplicates = 0;
      let turnCount = 0;
      for (let i = 0; i < turns.length; i += batchSize) {
        const batch = turns.slice(i, i + batchSize);
        const result = await withRetry(() =>
          api.POST('/v1/sessions/{sessionId}/turns', { params: { path: { sessionId } }, body: { turns: batch as never[] } }),
        );
        appended += result.appended;
        duplicates += result.duplicates;
        turnCount = result.turnCount;
      }
      return { appended, duplicates, turnCount };
    },
    /** Close the session: the closure job is enqueued (its id is `closureJob.jobId`). */
    closeSession(sessionId: string, body: { reason?: string; closedBy?: string } = {}) {
      return withRetry(() => api.POST('/v1/sessions/{sessionId}/close', { params: { path: { sessionId } }, body }));
    },
    getJob,
    /** Poll a job (or a session's closure job) until it is completed, failed or cancelled, within `timeoutMs`. */
    async waitForClosure(target: { sessionId: string } | { jobId: string }, opts: { timeoutMs?: number; intervalMs?: number } = {}) {
      const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
      let jobId = 'jobId' in target ? target.jobId : undefined;
      for (;;) {
        if (jobId === undefined && 'sessionId' in target) {
          const session = (await withRetry(() =>
            api.GET('/v1/sessions/{sessionId}', { params: { path: { sessionId: target.sessionId } } }),
          )) as { lastClosureJobId?: string | null };
          jobId = session.lastClosureJobId ?? undefined;
        }
        if (jobId !== undefined) {
          const job = await getJob(jobId);
          if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled') return job;
        }
        if (Date.now() >= deadline) throw new AfterwordTimeoutError(`the closure ${jobId ?? '(not started)'} did not finish in time`);
        await delay(opts.intervalMs ?? 200);
      }
    },
    /**
     * Follow /v1/events: a stream ticket, then server-sent events; on a dropped connection it
     * reconnects with a new ticket and Last-Event-ID, so no event is lost or repeated.
     */
    async *followEvents(opts: { afterId?: number; topics?: string[]; sessionId?: string; signal?: AbortSignal } = {}) {
      let lastId = opts.afterId;
      let failures = 0;
      while (!opts.signal?.aborted) {
        try {
          const { ticket } = await withRetry(() => api.POST('/v1/events/tickets', {}));
          const url = new URL(`${baseUrl}/v1/events`);
          url.searchParams.set('ticket', ticket);
          if (opts.topics?.length) url.searchParams.set('topic', opts.topics.join(','));
          if (opts.sessionId) url.searchParams.set('sessionId', opts.sessionId);
          const headers: Record<string, string> = { accept: 'text/event-stream' };
          if (lastId !== undefined) headers['last-event-id'] = String(lastId);
          const res = await fetchImpl(url, { headers, signal: opts.signal });
          if (!res.ok) {
            const body = await res.json().catch(() => undefined);
            if (!retryable(res.status)) throw apiError(res.status, body);
            throw new Error(`HTTP ${res.status}`);
          }
          failures = 0;
          const decoder = new TextDecoder();
          let buffer = '';
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            buffer += decoder.decode(chunk, { stream: true });
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const raw = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = raw
                .split('\n')
                .filter((line) => line.startsWith('data:'))
                .map((line) => line.slice(5).trimStart())
                .join('\n');
              if (data === '') continue;
              const event = JSON.parse(data) as StoredEvent;
              lastId = event.id;
              yield event;
              if (opts.signal?.aborted) return;
            }
          }
        } catch (error) {
          if (opts.signal?.aborted || error instanceof AfterwordApiError) {
            if (opts.signal?.aborted) return;
            throw error;
          }
          failures++;
          if (failures >= maxAttempts) throw error;
        }
        if (!opts.signal?.aborted) await delay(backoffMs * 2 ** Math.min(failures, 6));
      }
    },
  };
}

export type AfterwordClient = ReturnType<typeof createClient>;

/**
 * Verify an Afterword webhook (Standard Webhooks: webhook-id, webhook-timestamp,
 * webhook-signature); returns the parsed payload or throws.
 */
export function verifyWebhook(secret: string, headers: Record<string, string | string[] | undefined>, body: string): unknown {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return new Webhook(secret).verify(body, flat);
}
