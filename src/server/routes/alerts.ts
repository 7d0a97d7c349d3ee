import type { FastifyInstance } from 'fastify';
import type { ServedApp } from '../app-port.js';
import { actorOf } from '../auth.js';
import { bearer, commonErrors, idParam, limitQuery, pageOf, record } from '../schemas.js';

export function alertRoutes(server: FastifyInstance, app: ServedApp): void {
  const tags = ['alerts'];

  server.get<{
    Querystring: { open?: boolean; state?: string; sessionId?: string; reason?: string; limit: number; cursor?: string };
  }>(
    '/v1/alerts',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'listAlerts',
        summary: 'Admin alerts, newest first; filter by state (open, acknowledged, resolved, unresolved); cursor-paginated',
        description:
          '`open=true` is `state=open` (neither acknowledged nor resolved). An alert is resolved when its cause is ' +
          '(delta decided, batch published, job completed). Pass `nextCursor` back as `cursor`.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            open: { type: 'boolean' },
            state: { type: 'string', enum: ['open', 'acknowledged', 'resolved', 'unresolved'] },
            sessionId: { type: 'string', maxLength: 128 },
            reason: { type: 'string', maxLength: 200 },
            limit: { ...limitQuery, default: 100 },
            cursor: { type: 'string', maxLength: 500 },
          },
        },
        response: { 200: { description: 'The alerts', ...pageOf({ $ref: 'Alert#' }) }, ...commonErrors },
      },
    },
    async (request) => app.alerts.page(request.query),
  );

  server.get(
    '/v1/alerts/counts',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'countAlerts',
        summary: 'How many alerts are open, acknowledged and resolved',
        response: { 200: { description: 'Alert counts by state', ...record }, ...commonErrors },
      },
    },
    async () => (await app.alerts.counts()) as object,
  );

  server.post<{ Params: { alertId: string } }>(
    '/v1/alerts/:alertId/acknowledge',
    {
      config: { access: 'moderate' },
      schema: {
        tags,
        security: bearer,
        operationId: 'acknowledgeAlert',
        summary: 'Acknowledge an alert (recorded with the caller)',
        params: idParam('alertId', 'the alert id'),
        response: { 200: { description: 'The acknowledged alert', $ref: 'Alert#' }, ...commonErrors },
      },
    },
    async (request) => {
      const result = await app.alerts.acknowledge(request.params.alertId, actorOf(request));
      return result && typeof result === 'object' ? result : { ok: true };
    },
  );
}
