import type { FastifyInstance } from 'fastify';
import type { ServedApp } from '../app-port.js';
import { actorOf } from '../auth.js';
import { bearer, commonErrors, idParam, record, recordList, sessionIdParam } from '../schemas.js';
import { ownerGuard } from './sessions.js';

export function deltaRoutes(server: FastifyInstance, app: ServedApp): void {
  const tags = ['moderation'];

  server.get<{ Querystring: { status?: string; sessionId?: string } }>(
    '/v1/deltas',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        summary: 'World delta proposals, filtered by status and session',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { status: { type: 'string', maxLength: 50 }, sessionId: { type: 'string', maxLength: 128 } },
        },
        response: { 200: { type: 'object', properties: { items: recordList } }, ...commonErrors },
      },
    },
    async (request) => ({ items: await app.moderation.list(request.query) }),
  );

  server.post<{ Params: { deltaId: string }; Body: { decision: string; note?: string } }>(
    '/v1/deltas/:deltaId/decision',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security: bearer,
        summary: 'Decide a delta: approve, reject, rewrite (the note says how) or escalate',
        params: idParam('deltaId', 'the delta id'),
        body: {
          type: 'object',
          required: ['decision'],
          additionalProperties: false,
          properties: {
            decision: { type: 'string', enum: ['approve', 'reject', 'rewrite', 'escalate'] },
            note: { type: 'string', maxLength: 2000 },
          },
        },
        response: { 200: record, ...commonErrors },
      },
    },
    async (request) => {
      const { decision, note } = request.body;
      const result = await app.moderation.decide(request.params.deltaId, { decision, actor: actorOf(request), note });
      return result && typeof result === 'object' ? result : { ok: true };
    },
  );

  server.get<{ Params: { sessionId: string } }>(
    '/v1/sessions/:sessionId/moderation',
    {
      preValidation: ownerGuard(app),
      config: { access: 'session-read' },
      schema: {
        tags,
        security: bearer,
        summary: "The session's moderation queue",
        params: sessionIdParam,
        response: { 200: record, ...commonErrors },
      },
    },
    async (request) => {
      const queue = await app.moderation.queue(request.params.sessionId, Date.now());
      return Array.isArray(queue) ? { items: queue } : queue;
    },
  );
}
