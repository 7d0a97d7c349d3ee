import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { withIsoTimestamps } from '../clock.js';
import { AfterwordError } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { ServedApp } from './app-port.js';
import { presentedToken, registerAuth, type TokenEntry, TokenRegistry } from './auth.js';
import { answerClientError, registerErrorHandler } from './error-handler.js';
import { registerHttpMetrics } from './http-metrics.js';
import { registerInputGuard } from './input-guard.js';
import { registerComponents } from './components.js';
import { registerOpenApi } from './openapi.js';
import { alertRoutes } from './routes/alerts.js';
import { deltaRoutes } from './routes/deltas.js';
import { type EventStreamOptions, EventStreams, eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { loreRoutes } from './routes/lore.js';
import { publishingRoutes } from './routes/publishing.js';
import { sessionRoutes } from './routes/sessions.js';
import { webhookRoutes } from './routes/webhooks.js';
import { worldRoutes } from './routes/world.js';
import { serverLogger } from './request-log.js';
import { registerDashboard } from './static-assets.js';
import { StreamTickets } from './stream-tickets.js';

export interface BuildServerOptions {
  /** Tokens to accept; defaults to the app's `config.http.tokens`. */
  tokens?: readonly TokenEntry[];
  logger?: Logger | false;
  events?: Partial<EventStreamOptions>;
  /** Where the dashboard files live (tests); defaults to web/ at the package root. */
  webDir?: string;
  /** The clock stream tickets expire by (default: the system clock). */
  now?: () => number;
  /** Called for every route as it is registered (tests enumerate the route table with it). */
  onRoute?: (route: { method: string | string[]; url: string; access: string }) => void;
}

export interface AfterwordServer extends FastifyInstance {
  eventStreams: EventStreams;
}

/**
 * The HTTP service over the application API. Hook order per request: rate limit (keyed by token),
 * auth (route's declared access), body parsing with the size limit, schema validation, handler.
 */
export async function buildServer(app: ServedApp, options: BuildServerOptions = {}): Promise<AfterwordServer> {
  const config = app.config;
  const clock = options.now ?? Date.now;
  const server = Fastify({
    loggerInstance: options.logger === false || options.logger === undefined ? undefined : serverLogger(options.logger),
    logger: options.logger === false || options.logger === undefined ? false : undefined,
    bodyLimit: config.limits.maxBodyBytes,
    // Path parameters are bounded by each route's schema (session ids 128 characters, other ids
    // 200), which then answers 400 naming the field. Fastify's default of 100 answered a valid
    // 101-128 character id with 404; this leaves room for the longest id percent-encoded.
    maxParamLength: 1024,
    // Readiness and SSE need the server to close promptly; idle keep-alive sockets are closed on close().
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // A request (headers and body) must arrive within this; Node checks open connections every
    // connectionsCheckingInterval, so the check runs at a fraction of the limit.
    requestTimeout: config.limits.requestTimeoutMs,
    http: {
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor((config.limits.requestTimeoutMs || 120_000) / 4))),
    },
    clientErrorHandler: answerClientError,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    // A URL that does not decode (`%E0%80%AF`, `%FF`) fails before routing: the error envelope too.
    frameworkErrors: (error: Error, _request: unknown, reply: { status(n: number): { send(body: unknown): void } }) => {
      const reason = 'is not a valid percent-encoded URL';
      reply.status(400).send({
        error: { code: 'invalid_input', message: `the URL ${reason}: ${error.message}`, issues: [{ field: '(url)', reason }] },
      });
    },
  } as never) as unknown as FastifyInstance;

  const tokens = new TokenRegistry(options.tokens ?? config.http.tokens);
  const streams = new EventStreams({
    maxStreams: config.limits.maxStreams,
    maxStreamsPerToken: config.limits.maxStreamsPerToken,
  });
  server.decorate('eventStreams', streams);

  server.addHook('onRoute', (route) => {
    // Routes added by plugins (swagger-ui's /docs assets) are documentation: public.
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), access: route.config?.access ?? 'public' };
    options.onRoute?.({ method: route.method, url: route.url, access: route.config?.access ?? 'admin' });
  });

  registerErrorHandler(server, { maxBodyBytes: config.limits.maxBodyBytes });
  // Instants leave as ISO 8601 UTC strings (clock.ts has the convention); the routes return epoch ms.
  server.addHook('preSerialization', async (_request, _reply, payload) => withIsoTimestamps(payload));
  registerHttpMetrics(server, app.metrics);

  await server.register(rateLimit, {
    global: true,
    max: config.limits.rateLimitPerMinute,
    timeWindow: 60_000,
    // Keyed by token name so one noisy client cannot starve the others. Calls without a valid
    // token are keyed by address, so rotating guessed tokens does not buy fresh allowances.
    keyGenerator: (request) => {
      const token = presentedToken(request);
      const principal = token ? tokens.identify(token) : null;
      return principal ? `t:${principal.name}` : `ip:${request.ip}`;
    },
    allowList: (request) => request.url === '/healthz' || request.url === '/readyz',
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.ceil(context.ttl / 1000);
      return new AfterwordError(
        'rate_limited',
        `rate limit of ${context.max} requests per minute exceeded; retry in ${seconds} s`,
        {
          details: { limitPerMinute: context.max, retryAfterSeconds: seconds },
        },
      );
    },
  });
  const tickets = new StreamTickets(() => tokens.keys(), { ttlMs: config.limits.streamTicketTtlMs, now: clock });
  registerAuth(server, tokens, tickets);

  registerInputGuard(server, { maxJsonDepth: config.limits.maxJsonDepth, requestTimeoutMs: config.limits.requestTimeoutMs });

  registerComponents(server);
  await registerOpenApi(server, '0.2.0');
  healthRoutes(server, app);
  sessionRoutes(server, app);
  jobRoutes(server, app);
  worldRoutes(server, app);
  deltaRoutes(server, app);
  alertRoutes(server, app);
  publishingRoutes(server, app);
  loreRoutes(server, app);
  webhookRoutes(server, app);
  eventRoutes(server, app, streams, tickets, {
    heartbeatMs: options.events?.heartbeatMs ?? 15_000,
    replayBatch: options.events?.replayBatch ?? 500,
    maxBufferedBytes: options.events?.maxBufferedBytes ?? config.limits.maxStreamBufferBytes,
  });
  registerDashboard(server, options.webDir);

  // Graceful close: server.close() stops accepting and waits for open connections, but it only
  // closes the ones idle at that moment. So responses finishing after it started say
  // `Connection: close` (their sockets then close instead of idling on keep-alive), and event
  // streams, which never finish on their own, are ended.
  let closing = false;
  server.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('connection', 'close');
  });
  server.addHook('preClose', async () => {
    closing = true;
    streams.endAll();
  });
  return server as AfterwordServer;
}
