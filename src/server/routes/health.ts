import type { FastifyInstance } from 'fastify';
import type { ServedApp } from '../app-port.js';
import { bearer } from '../schemas.js';

/**
 * Probes. `/healthz` says the process is up (liveness); `/readyz` says it can do its job: store
 * reachable, migrations applied, workers running (readiness). Both are anonymous so orchestrators
 * can probe without secrets; neither reveals data. `/metrics` needs a token (viewer is enough).
 */
export function healthRoutes(server: FastifyInstance, app: ServedApp): void {
  server.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  server.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: store reachable, migrations applied, workers running (503 otherwise)',
        response: {
          200: { type: 'object', additionalProperties: true, properties: { ready: { type: 'boolean' } } },
          503: { type: 'object', additionalProperties: true, properties: { ready: { type: 'boolean' } } },
        },
      },
    },
    async (_request, reply) => {
      let report: { ready: boolean } & Record<string, unknown>;
      try {
        report = await app.readiness();
      } catch (error) {
        report = { ready: false, error: (error as Error).message };
      }
      return reply.status(report.ready ? 200 : 503).send(report);
    },
  );

  server.get(
    '/v1/whoami',
    {
      config: { access: 'session-read' },
      schema: {
        tags: ['operations'],
        security: bearer,
        summary: "The caller's token name and role (the dashboard uses it to sign in)",
        response: { 200: { type: 'object', properties: { name: { type: 'string' }, role: { type: 'string' } } } },
      },
    },
    async (request) => request.principal,
  );

  server.get(
    '/metrics',
    {
      config: { access: 'read' },
      schema: { tags: ['operations'], security: bearer, summary: 'Prometheus metrics (text exposition format)' },
    },
    async (_request, reply) => {
      const text = await app.metrics.metrics();
      return reply.type(app.metrics.contentType).send(text);
    },
  );
}
