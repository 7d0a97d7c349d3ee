import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServedApp } from '../app-port.js';
import { inSpan, SpanKind, spanAttributes } from '../../telemetry/tracing.js';
import { actorOf, scopeOf } from '../auth.js';
import { bearer, commonErrors, itemsOf, limitQuery, pageOf, record, sessionIdParam } from '../schemas.js';

type SessionParams = { sessionId: string };

/**
 * Refuse the session unless the caller's scope covers it (a gm: only its own sessions; the
 * session module decides, in SQL). Operators' scope covers every session: no read for them.
 */
export async function guardSession(app: ServedApp, request: FastifyRequest, sessionId: string): Promise<void> {
  const scope = scopeOf(request);
  if (scope.kind === 'all') return;
  await app.sessions.summary(sessionId, scope);
}

/**
 * A preValidation hook: ownership is checked before the body is validated, so another gm learns
 * nothing about a session (not even whether its body would have been valid).
 */
export function ownerGuard(app: ServedApp) {
  return async (request: FastifyRequest) => {
    const params = request.params as Partial<SessionParams>;
    if (params.sessionId !== undefined) await guardSession(app, request, params.sessionId);
  };
}

export function sessionRoutes(server: FastifyInstance, app: ServedApp): void {
  const tags = ['sessions'];
  const guard = ownerGuard(app);
  const maxTurns = app.config.limits.maxTurnsPerRequest;

  server.put<{ Params: SessionParams; Body: Record<string, unknown> }>(
    '/v1/sessions/:sessionId',
    {
      config: { access: 'session-write' },
      schema: {
        tags,
        security: bearer,
        operationId: 'putSession',
        summary: 'Create a session or replace its metadata',
        description:
          'The metadata may be sent as `{context: {...}}` or as the same fields at top level. A session a gm token ' +
          "creates is owned by that token's name (`owner`); an admin's has no owner. A gm may replace only its own " +
          "sessions' metadata: any other existing session, owned or not, is refused with 403 (it is never claimed).",
        params: sessionIdParam,
        body: {
          type: 'object',
          properties: { context: record, character: record, location: record, momentum: record, tags: { type: 'array' } },
          additionalProperties: true,
        },
        response: {
          200: {
            description: 'Metadata replaced',
            type: 'object',
            required: ['session'],
            properties: { session: { $ref: 'Session#' } },
          },
          201: {
            description: 'Session created',
            type: 'object',
            required: ['session'],
            properties: { session: { $ref: 'Session#' } },
          },
          ...commonErrors,
        },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const context = body.context && typeof body.context === 'object' ? body.context : body;
      const { session, created } = await app.sessions.upsert(request.params.sessionId, context, scopeOf(request));
      return reply.status(created ? 201 : 200).send({ session });
    },
  );

  server.post<{ Params: SessionParams; Body: { turns: unknown[] } }>(
    '/v1/sessions/:sessionId/turns',
    {
      preValidation: guard,
      config: { access: 'session-write' },
      schema: {
        tags,
        security: bearer,
        operationId: 'appendTurns',
        summary: 'Append transcript turns (idempotent by turnId)',
        description:
          `At most ${maxTurns} turns per request. A turn already stored with the same text is skipped (counted in ` +
          '`duplicates`); the same turnId with different text is refused (409 turn_conflict) and nothing is written.',
        params: sessionIdParam,
        body: {
          type: 'object',
          required: ['turns'],
          properties: { turns: { type: 'array', maxItems: maxTurns, items: { type: 'object' } } },
        },
        response: {
          200: {
            description: 'Turns stored (or already present)',
            type: 'object',
            required: ['sessionId', 'appended', 'duplicates', 'turnCount'],
            properties: {
              sessionId: { type: 'string' },
              appended: { type: 'integer', description: 'turns stored by this request' },
              duplicates: { type: 'integer', description: 'turns already stored with the same text (skipped)' },
              turnCount: { type: 'integer', description: "the session's turns after this request" },
            },
            examples: [{ sessionId: 'table-7-night-3', appended: 2, duplicates: 0, turnCount: 82 }],
          },
          ...commonErrors,
        },
      },
    },
    async (request) => {
      return app.sessions.appendTurns(request.params.sessionId, request.body.turns, 'turns', scopeOf(request));
    },
  );

  server.post<{ Params: SessionParams; Body: { changes: unknown[] } }>(
    '/v1/sessions/:sessionId/changes',
    {
      preValidation: guard,
      config: { access: 'session-write' },
      schema: {
        tags,
        security: bearer,
        operationId: 'appendChanges',
        summary: 'Append change-feed entries; each gets the next cursor',
        params: sessionIdParam,
        body: {
          type: 'object',
          required: ['changes'],
          properties: { changes: { type: 'array', maxItems: maxTurns, items: { type: 'object' } } },
        },
        response: {
          200: {
            description: 'The cursor of each stored change, in order',
            type: 'object',
            required: ['sessionId', 'cursors'],
            properties: { sessionId: { type: 'string' }, cursors: { type: 'array', items: { type: 'integer' } } },
            examples: [{ sessionId: 'table-7-night-3', cursors: [4, 5] }],
          },
          ...commonErrors,
        },
      },
    },
    async (request) => {
      return app.sessions.appendChanges(request.params.sessionId, request.body.changes, 'changes', scopeOf(request));
    },
  );

  server.post<{ Params: SessionParams; Body: { reason?: string; closedBy?: string } | undefined }>(
    '/v1/sessions/:sessionId/close',
    {
      config: { access: 'session-write' },
      preValidation: [
        guard,
        // The body is optional: `curl -X POST .../close` with no body closes with the defaults.
        async (request) => {
          request.body ??= {};
        },
      ],
      schema: {
        tags,
        security: bearer,
        operationId: 'closeSession',
        summary: 'Close a session and queue its closure workflow',
        description:
          'Answers 202 with the new closure job. Closing an already-closed session answers 200 with the existing ' +
          'job: it never queues a second one. The actor (`closedBy`) is always the caller (`role:name`); a ' +
          '`closedBy` in the body is kept as `closedByLabel`, for display only.',
        params: sessionIdParam,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { reason: { type: 'string', maxLength: 500 }, closedBy: { type: 'string', maxLength: 200 } },
        },
        response: {
          200: {
            description: 'Already closed: the existing closure job',
            type: 'object',
            required: ['session', 'closureJob'],
            properties: { session: { $ref: 'Session#' }, closureJob: { $ref: 'Job#' } },
          },
          202: {
            description: 'Closed; the closure job is queued',
            type: 'object',
            required: ['session', 'closureJob'],
            properties: { session: { $ref: 'Session#' }, closureJob: { $ref: 'Job#' } },
          },
          ...commonErrors,
        },
      },
    },
    async (request, reply) => {
      const { sessionId } = request.params;
      const body = request.body ?? {};
      // The root of the closure's trace (telemetry/tracing.ts): the job's spans continue it.
      const attributes = {
        'http.request.method': 'POST',
        'http.route': '/v1/sessions/{sessionId}/close',
        [spanAttributes.sessionId]: sessionId,
      };
      const { session, job, created } = await inSpan(
        'POST /v1/sessions/{sessionId}/close',
        { kind: SpanKind.SERVER, attributes },
        async (span) => {
          const outcome = await app.coordinator.closeSession(sessionId, {
            reason: body.reason,
            closedBy: actorOf(request),
            closedByLabel: body.closedBy,
            trigger: 'session_closed',
            scope: scopeOf(request),
          });
          span.setAttribute('http.response.status_code', outcome.created ? 202 : 200);
          return outcome;
        },
      );
      return reply.status(created ? 202 : 200).send({ session, closureJob: job });
    },
  );

  server.get<{ Querystring: { status?: 'active' | 'closed'; limit: number; cursor?: string } }>(
    '/v1/sessions',
    {
      config: { access: 'session-read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'listSessions',
        summary: 'List sessions, most recently updated first',
        description: 'Cursor pagination: pass `nextCursor` back as `cursor`. A gm token sees only its own sessions.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['active', 'closed'] },
            limit: limitQuery,
            cursor: { type: 'string', maxLength: 500 },
          },
        },
        response: { 200: { description: 'A page of sessions', ...pageOf({ $ref: 'Session#' }) }, ...commonErrors },
      },
    },
    async (request) => {
      return app.sessions.list(request.query, scopeOf(request));
    },
  );

  server.get<{ Params: SessionParams }>(
    '/v1/sessions/:sessionId',
    {
      config: { access: 'session-read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'getSession',
        summary: 'The session directory summary (status, closure, offlineLastRun, publishing cadence)',
        params: sessionIdParam,
        response: { 200: { description: 'The session', $ref: 'Session#' }, ...commonErrors },
      },
    },
    async (request) => {
      return app.sessions.summary(request.params.sessionId, scopeOf(request));
    },
  );

  server.get<{ Params: SessionParams; Querystring: { version?: number } }>(
    '/v1/sessions/:sessionId/summary',
    {
      preValidation: guard,
      config: { access: 'session-read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'getStorySummary',
        summary: 'The story summary produced by the closure workflow (latest version, or `?version=`)',
        params: sessionIdParam,
        querystring: { type: 'object', additionalProperties: false, properties: { version: { type: 'integer', minimum: 1 } } },
        response: { 200: { description: 'The story summary', $ref: 'StorySummary#' }, ...commonErrors },
      },
    },
    async (request) => {
      return app.artefacts.summary(request.params.sessionId, request.query.version);
    },
  );

  server.get<{ Params: SessionParams; Querystring: { limit: number; cursor?: string } }>(
    '/v1/sessions/:sessionId/history',
    {
      preValidation: guard,
      config: { access: 'session-read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'getSessionHistory',
        summary: 'Offline workflow run history, newest first',
        params: sessionIdParam,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: limitQuery, cursor: { type: 'string', maxLength: 500 } },
        },
        response: { 200: { description: 'A page of workflow runs', ...pageOf({ $ref: 'WorkflowRun#' }) }, ...commonErrors },
      },
    },
    async (request) => {
      return app.sessions.history(request.params.sessionId, request.query, scopeOf(request));
    },
  );

  server.get<{ Params: SessionParams; Querystring: { afterSeq: number; limit: number } }>(
    '/v1/sessions/:sessionId/transcript',
    {
      preValidation: guard,
      config: { access: 'session-read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'getTranscript',
        summary: 'Transcript turns in arrival order; page with `afterSeq` (the last `seq` you received)',
        params: sessionIdParam,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            afterSeq: { type: 'integer', minimum: 0, default: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
          },
        },
        response: { 200: { description: 'Turns after `afterSeq`', ...itemsOf({ $ref: 'Turn#' }) }, ...commonErrors },
      },
    },
    async (request) => {
      const { afterSeq, limit } = request.query;
      return { items: await app.sessions.transcript(request.params.sessionId, afterSeq, limit, scopeOf(request)) };
    },
  );

  server.get<{ Params: SessionParams; Querystring: { limit: number; cursor?: string } }>(
    '/v1/sessions/:sessionId/mentions',
    {
      preValidation: guard,
      config: { access: 'session-read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'getMentions',
        summary: "The session's entity mentions in extraction order, with cursor pagination",
        description: 'Pass `nextCursor` back as `cursor` for the next page; null means this was the last.',
        params: sessionIdParam,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: limitQuery, cursor: { type: 'string', maxLength: 500 } },
        },
        response: { 200: { description: 'The mentions', ...pageOf({ $ref: 'Mention#' }) }, ...commonErrors },
      },
    },
    async (request) => app.artefacts.mentionPage(request.params.sessionId, request.query),
  );
}
