import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * OpenAPI generated from the route schemas (so the document cannot drift from the validation),
 * served at /openapi.json, and rendered by swagger-ui at /docs from the package's own files:
 * nothing is fetched from a CDN.
 */
export async function registerOpenApi(server: FastifyInstance, version: string): Promise<void> {
  await server.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Afterword API',
        version,
        description:
          'Durable post-session pipeline for AI-narrated storytelling games. Authenticate with ' +
          '`Authorization: Bearer <token>` (roles: admin, gm, viewer). Errors are `{error: {code, message, issues}}`.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await server.register(swaggerUi, { routePrefix: '/docs', staticCSP: false });
  server.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => server.swagger());
}
