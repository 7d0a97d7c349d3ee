import type { FastifyInstance } from 'fastify';
import type { ServedApp } from '../app-port.js';
import { actorOf } from '../auth.js';
import { bearer, commonErrors, idParam, limitQuery, record, recordList } from '../schemas.js';

export function alertRoutes(server: FastifyInstance, app: ServedApp): void {
  const tags = ['alerts'];

  server.get<{ Querystring: { open?: boolean; limit: number } }>(
    '/v1/alerts',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        summary: 'Admin alerts, newest first; `open=true` for unacknowledged ones',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { open: { type: 'boolean' }, limit: limitQuery },
        },
        response: { 200: { type: 'object', properties: { items: recordList } }, ...commonErrors },
      },
    },
    async (request) => ({ items: await app.alerts.list(request.query) }),
  );

  server.post<{ Params: { alertId: string } }>(
    '/v1/alerts/:alertId/acknowledge',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security: bearer,
        summary: 'Acknowledge an alert (recorded with the caller)',
        params: idParam('alertId', 'the alert id'),
        response: { 200: record, ...commonErrors },
      },
    },
    async (request) => {
      const result = await app.alerts.acknowledge(request.params.alertId, actorOf(request));
      return result && typeof result === 'object' ? result : { ok: true };
    },
  );
}
