import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { withIsoTimestamps } from '../../clock.js';
import { AfterwordError } from '../../errors.js';
import type { EventFilter } from '../../telemetry/event-bus.js';
import { isTopic, type Topic } from '../../topic-catalogue.js';
import { OrderedEventStream } from '../../telemetry/event-stream.js';
import type { StoredEvent } from '../../telemetry/topics.js';
import type { ServedApp } from '../app-port.js';
import { presentedToken, scopeOf, sha256 } from '../auth.js';
import { bearer, commonErrors } from '../schemas.js';
import { instant } from '../components.js';
import type { StreamTickets } from '../stream-tickets.js';

export interface EventStreamOptions {
  /** A comment line every so often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /** Events read per query while replaying after Last-Event-ID. */
  replayBatch: number;
  /** A client this far behind is disconnected; it resumes with Last-Event-ID. */
  maxBufferedBytes: number;
}

export interface StreamLimits {
  /** Streams the process serves at once (`limits.maxStreams`); one more answers 503. */
  maxStreams: number;
  /** Streams one token holds at once (`limits.maxStreamsPerToken`); one more answers 429. */
  maxStreamsPerToken: number;
}

/**
 * Open streams: bounded overall and per token (each may buffer up to `maxBufferedBytes`), and
 * ended by shutdown (they would otherwise keep server.close() waiting).
 */
export class EventStreams {
  private readonly open = new Map<ServerResponse, string>();
  private readonly perHolder = new Map<string, number>();

  constructor(
    private readonly limits: StreamLimits = { maxStreams: Number.MAX_SAFE_INTEGER, maxStreamsPerToken: Number.MAX_SAFE_INTEGER },
  ) {}

  /**
   * Refuse a new stream for `holder` when a limit is reached. Call synchronously right before
   * `add`, with no await between, so two requests cannot both take the last place.
   */
  admit(holder: string): void {
    const retry = { retryAfterSeconds: 5 };
    if (this.open.size >= this.limits.maxStreams) {
      throw new AfterwordError(
        'server_busy',
        `the server already serves ${this.open.size} event streams (limits.maxStreams); retry later`,
        { details: { limit: this.limits.maxStreams, ...retry } },
      );
    }
    const held = this.perHolder.get(holder) ?? 0;
    if (held >= this.limits.maxStreamsPerToken) {
      throw new AfterwordError(
        'too_many_streams',
        `this token already holds ${held} event streams (limits.maxStreamsPerToken); close one first`,
        { details: { limit: this.limits.maxStreamsPerToken, ...retry } },
      );
    }
  }

  add(res: ServerResponse, holder = 'anonymous'): void {
    this.open.set(res, holder);
    this.perHolder.set(holder, (this.perHolder.get(holder) ?? 0) + 1);
    res.on('close', () => this.remove(res));
  }

  private remove(res: ServerResponse): void {
    const holder = this.open.get(res);
    if (holder === undefined) return;
    this.open.delete(res);
    const left = (this.perHolder.get(holder) ?? 1) - 1;
    if (left > 0) this.perHolder.set(holder, left);
    else this.perHolder.delete(holder);
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * End every stream and close its socket: a kept-alive socket would otherwise keep
   * server.close() waiting (it only closes connections that were idle when it was called).
   */
  endAll(): void {
    for (const res of this.open.keys()) res.end(() => res.socket?.destroy());
    this.open.clear();
    this.perHolder.clear();
  }
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function frame(event: StoredEvent): string {
  // One `message` event per row (no `event:` field) so EventSource.onmessage sees every topic.
  return `id: ${event.id}\ndata: ${JSON.stringify(withIsoTimestamps(event))}\n\n`;
}

export function eventRoutes(
  server: FastifyInstance,
  app: ServedApp,
  streams: EventStreams,
  tickets: StreamTickets,
  options: EventStreamOptions,
): void {
  server.post(
    '/v1/events/tickets',
    {
      config: { access: 'session-read' },
      schema: {
        tags: ['events'],
        security: bearer,
        operationId: 'issueStreamTicket',
        summary: 'A short-lived, single-use ticket for opening the event stream',
        description:
          'EventSource cannot send an Authorization header, and a token in a URL ends up in logs. Post with the ' +
          'header, then open `GET /v1/events?ticket=<ticket>` within `expiresInMs` ' +
          '(`limits.streamTicketTtlMs`, default 30 s). A ticket opens one stream, with the rights of the token it ' +
          'was issued to; reconnect with a new ticket (and `lastEventId`).',
        response: {
          200: {
            description: 'The ticket',
            type: 'object',
            required: ['ticket', 'expiresAt', 'expiresInMs'],
            properties: { ticket: { type: 'string' }, expiresAt: instant, expiresInMs: { type: 'integer' } },
          },
          ...commonErrors,
        },
      },
    },
    async (request) => {
      const token = presentedToken(request);
      if (token === null) throw new AfterwordError('unauthorized', 'a stream ticket is issued for a bearer token');
      const { ticket, expiresAt } = tickets.issue(sha256(token));
      return { ticket, expiresAt: new Date(expiresAt).toISOString(), expiresInMs: app.config.limits.streamTicketTtlMs };
    },
  );

  server.get<{ Querystring: { topic?: string; prefix?: string; sessionId?: string; lastEventId?: number } }>(
    '/v1/events',
    {
      config: { access: 'session-read', acceptsTicket: true },
      schema: {
        tags: ['events'],
        security: bearer,
        operationId: 'streamEvents',
        summary: 'Server-sent events: the live topic stream, resumable with Last-Event-ID',
        description:
          'Each event is a `message` whose `id` is the event id and whose `data` is the stored event ' +
          '`{id, topic, sessionId, jobId, payload, createdAt}`. Reconnecting with the `Last-Event-ID` header (or ' +
          '`?lastEventId=`) replays every later event from the store, then continues live. A comment line is sent ' +
          'as a heartbeat. EventSource cannot set headers: get a ticket from `POST /v1/events/tickets` and pass it as ' +
          '`?ticket=` (a `?token=` is refused with 400 `token_in_query`). A gm token must filter by one of its own sessions.',
        querystring: {
          type: 'object',
          properties: {
            topic: { type: 'string', maxLength: 2000, description: 'comma-separated exact topics' },
            prefix: { type: 'string', maxLength: 500, description: 'comma-separated topic prefixes, e.g. `offline.`' },
            sessionId: { type: 'string', maxLength: 128 },
            ticket: { type: 'string', maxLength: 200, description: 'a stream ticket from POST /v1/events/tickets' },
            lastEventId: {
              type: 'integer',
              minimum: 0,
              maximum: Number.MAX_SAFE_INTEGER,
              description: 'resume after this id (the header wins)',
            },
          },
        },
        response: {
          200: {
            description: 'The stream: `id: <event id>` and `data: <StoredEvent JSON>` per event (instants as ISO 8601)',
            content: {
              'text/event-stream': {
                schema: {
                  type: 'object',
                  description: 'one server-sent event; `data` is a StoredEvent as JSON',
                  required: ['data'],
                  properties: {
                    id: { type: 'string', description: 'the event id (resume with Last-Event-ID)' },
                    event: { type: 'string', enum: ['message'] },
                    retry: { type: 'integer' },
                    data: { type: 'string', contentMediaType: 'application/json', contentSchema: { $ref: 'StoredEvent#' } },
                  },
                },
              },
            },
          },
          ...commonErrors,
        },
      },
    },
    async (request, reply) => {
      const { sessionId } = request.query;
      const topicList = list(request.query.topic);
      const unknown = topicList.filter((t) => !isTopic(t));
      if (unknown.length > 0) {
        throw new AfterwordError('invalid_input', `query.topic: unknown topic ${unknown.join(', ')}`, {
          issues: [{ field: 'query.topic', reason: `unknown topic: ${unknown.join(', ')}` }],
        });
      }
      if (request.principal?.role === 'gm') {
        if (!sessionId) {
          throw new AfterwordError('forbidden', 'a gm token must filter the stream by one of its sessions (?sessionId=)');
        }
        await app.sessions.summary(sessionId, scopeOf(request));
      }
      const header = request.headers['last-event-id'];
      const headerId = typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
      const lastSent = headerId ?? request.query.lastEventId ?? null;
      const filter: EventFilter = { topics: topicList as Topic[], prefixes: list(request.query.prefix), sessionId };
      const after = lastSent ?? (await app.latestEventId());

      const holder = request.principal ? `${request.principal.role}:${request.principal.name}` : 'anonymous';
      streams.admit(holder);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      streams.add(res, holder);
      res.write(`retry: 2000\n: connected\n\n`);

      // Every matching event after `lastSent` (or after the newest one now), in id order, read
      // from the store whenever the bus says something matching was committed (event-stream.ts).
      const stream = new OrderedEventStream({
        read: (afterId, storeFilter, limit) => app.eventsSince(afterId, storeFilter, limit),
        bus: app.events,
        filter,
        after,
        batch: options.replayBatch,
        deliver: (event) => {
          if (res.writableEnded) return false;
          res.write(frame(event));
          if (res.writableLength <= options.maxBufferedBytes) return true;
          res.end();
          return false;
        },
        onError: (error) => {
          request.log.error({ err: error }, 'event stream read failed');
          res.end();
        },
      });
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), options.heartbeatMs);
      heartbeat.unref();
      res.on('close', () => {
        clearInterval(heartbeat);
        stream.close();
      });
      await stream.start();
    },
  );
}
