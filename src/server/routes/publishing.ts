import type { FastifyInstance } from 'fastify';
import type { ServedApp } from '../app-port.js';
import { actorOf } from '../auth.js';
import { bearer, commonErrors, limitQuery, pageOf, sessionIdParam } from '../schemas.js';
import { ownerGuard } from './sessions.js';

export function publishingRoutes(server: FastifyInstance, app: ServedApp): void {
  const tags = ['publishing'];

  server.get<{ Querystring: { sessionId?: string; status?: string; limit: number; cursor?: string } }>(
    '/v1/publishing/batches',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'listBatches',
        summary: 'Publishing batches (awaiting_moderation, ready, published), latest scheduled first',
        description: 'Cursor pagination: pass `nextCursor` back as `cursor`; null means this was the last page.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            sessionId: { type: 'string', maxLength: 128 },
            status: { type: 'string', enum: ['awaiting_moderation', 'ready', 'published'] },
            limit: limitQuery,
            cursor: { type: 'string', maxLength: 500 },
          },
        },
        response: { 200: { description: 'The batches', ...pageOf({ $ref: 'PublishingBatch#' }) }, ...commonErrors },
      },
    },
    async (request) => app.publishing.batchPage(request.query),
  );

  server.get<{ Params: { sessionId: string } }>(
    '/v1/sessions/:sessionId/publishing',
    {
      preValidation: ownerGuard(app),
      config: { access: 'session-read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'getPublishingSchedule',
        summary: "The session's publishing schedule (cadence, moderation window, batches)",
        params: sessionIdParam,
        response: {
          200: {
            description: "The session's cadence and batches",
            type: 'object',
            additionalProperties: true,
            properties: {
              sessionId: { type: 'string' },
              cadence: { anyOf: [{ $ref: 'Cadence#' }, { type: 'null' }] },
              batches: { type: 'array', items: { $ref: 'PublishingBatch#' } },
            },
          },
          ...commonErrors,
        },
      },
    },
    async (request) => {
      const schedule = await app.publishing.schedule(request.params.sessionId);
      return schedule && typeof schedule === 'object' ? schedule : { schedule };
    },
  );

  server.post<{ Params: { sessionId: string }; Body: { batchAt: string | number; reason?: string } }>(
    '/v1/sessions/:sessionId/publishing/override',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security: bearer,
        operationId: 'overrideNextBatch',
        summary: "Move the session's next lore batch (bounded by cadence.maxOverrideMs)",
        params: sessionIdParam,
        body: {
          type: 'object',
          required: ['batchAt'],
          additionalProperties: false,
          properties: {
            batchAt: {
              anyOf: [
                { type: 'integer', minimum: 0 },
                { type: 'string', format: 'date-time' },
              ],
              description: 'epoch milliseconds or an ISO-8601 date-time',
            },
            reason: { type: 'string', maxLength: 500 },
          },
        },
        response: {
          200: {
            description: 'The cadence with the override applied',
            type: 'object',
            additionalProperties: true,
            properties: { sessionId: { type: 'string' }, cadence: { $ref: 'Cadence#' } },
          },
          ...commonErrors,
        },
      },
    },
    async (request) => {
      const { batchAt, reason } = request.body;
      const result = await app.publishing.override(request.params.sessionId, { batchAt, actor: actorOf(request), reason });
      return result && typeof result === 'object' ? result : { ok: true };
    },
  );
}
