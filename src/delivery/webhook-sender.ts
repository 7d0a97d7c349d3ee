import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ResolvedTarget } from './address-policy.js';

export interface SendOptions {
  target: ResolvedTarget;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  maxResponseBytes: number;
  excerptBytes: number;
  signal?: AbortSignal | undefined;
}

export interface SendResult {
  /** `delivered` (2xx), `failed` (another status), `timeout`, `network_error`. */
  outcome: 'delivered' | 'failed' | 'timeout' | 'network_error';
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

/**
 * One POST of a webhook to an address already checked by the address policy. The socket connects
 * to `target.address` whatever the DNS says now (the lookup is pinned), TLS still verifies the
 * URL's host name. The whole exchange has one deadline (`timeoutMs`); at most `maxResponseBytes`
 * of the response are read, then the connection is closed. Never throws: a failure is a result.
 */
export function sendWebhook(options: SendOptions): Promise<SendResult> {
  const { target, body } = options;
  const started = performance.now();
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  return new Promise((resolve) => {
    let settled = false;
    let statusCode: number | null = null;
    const chunks: Buffer[] = [];
    let received = 0;
    // `complete`: the response was read to its end, so the socket can go back to the agent's
    // keep-alive pool; anything else (timeout, size cap, abort, error) destroys the connection.
    const finish = (outcome: SendResult['outcome'], error: string | null, complete = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const excerpt = Buffer.concat(chunks).subarray(0, options.excerptBytes).toString('utf8');
      resolve({
        outcome,
        statusCode,
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
        responseExcerpt: statusCode === null ? null : excerpt,
        error,
      });
      if (!complete) req.destroy();
    };
    const request = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(target.url, {
      method: 'POST',
      lookup: pinned,
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'Afterword-Webhooks/1',
      },
    });
    const timer = setTimeout(() => finish('timeout', `no complete response within ${options.timeoutMs} ms`), options.timeoutMs);
    const onAbort = () => finish('network_error', 'aborted: the worker lost the job or is shutting down');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error: NodeJS.ErrnoException) => finish('network_error', `${error.code ?? 'error'}: ${error.message}`));
    req.on('response', (response: IncomingMessage) => {
      statusCode = response.statusCode ?? 0;
      const outcome = statusCode >= 200 && statusCode < 300 ? 'delivered' : 'failed';
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received <= options.maxResponseBytes) chunks.push(chunk);
        else {
          chunks.push(chunk.subarray(0, Math.max(0, chunk.length - (received - options.maxResponseBytes))));
          finish(
            outcome,
            outcome === 'delivered' ? null : `HTTP ${statusCode} (response cut at ${options.maxResponseBytes} bytes)`,
          );
        }
      });
      response.on('end', () => finish(outcome, outcome === 'delivered' ? null : `HTTP ${statusCode}`, true));
      response.on('error', (error) => finish(outcome === 'delivered' ? 'delivered' : 'network_error', error.message));
    });
    req.end(body);
  });
}
