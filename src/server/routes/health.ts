import type { FastifyInstance } from 'fastify';
import type { ServedApp } from '../app-port.js';
import { bearer, commonErrors, publicErrors } from '../schemas.js';

/**
 * Probes. `/healthz` says the process is up (liveness); `/readyz` says it can do its job: store
 * reachable, migrations applied, workers running (readiness). Both are anonymous so orchestrators
 * can probe without secrets; neither reveals data. `/metrics` needs a token (viewer is enough).
 */
const readiness = (description: string) =>
  ({
    description,
    type: 'object',
    additionalProperties: true,
    required: ['ready'],
    properties: {
      ready: { type: 'boolean' },
      storeReachable: { type: 'boolean' },
      migrationsApplied: { type: 'boolean' },
      workersRunning: { type: 'boolean' },
      pendingMigrations: { type: 'array', items: { type: 'string' } },
      error: { type: 'string' },
    },
  }) as const;

export function healthRoutes(server: FastifyInstance, app: ServedApp): void {
  server.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        operationId: 'healthz',
        security: [],
        summary: 'Liveness: the process answers',
        response: {
          200: {
            description: 'Up',
            type: 'object',
            required: ['status'],
            properties: { status: { type: 'string', enum: ['ok'] } },
          },
          ...publicErrors,
        },
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
        operationId: 'readyz',
        security: [],
        summary: 'Readiness: store reachable, migrations applied, workers running (503 otherwise)',
        response: {
          200: readiness('Ready'),
          503: readiness('Not ready: the report says which check failed'),
          400: publicErrors[400],
          429: publicErrors[429],
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
        operationId: 'whoami',
        summary: "The caller's token name and role (the dashboard uses it to sign in)",
        response: {
          200: {
            description: 'The principal',
            type: 'object',
            required: ['name', 'role'],
            properties: { name: { type: 'string' }, role: { type: 'string' } },
            examples: [{ name: 'gm-one', role: 'gm' }],
          },
          ...commonErrors,
        },
      },
    },
    async (request) => request.principal,
  );

  server.get(
    '/metrics',
    {
      config: { access: 'read' },
      schema: {
        tags: ['operations'],
        security: bearer,
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format)',
        response: {
          200: { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...commonErrors,
        },
      },
    },
    async (_request, reply) => {
      const text = await app.metrics.metrics();
      return reply.type(app.metrics.contentType).send(text);
    },
  );
}
