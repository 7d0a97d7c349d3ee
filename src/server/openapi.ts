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
    // Shared schemas (components.ts) keep their $id as their name under components.schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      servers: [{ url: '/', description: 'this service' }],
      info: {
        title: 'Afterword API',
        version,
        description:
          'Durable post-session pipeline for AI-narrated storytelling games. Authenticate with ' +
          '`Authorization: Bearer <token>` (roles: admin, gm, viewer). Errors are `{error: {code, message, issues}}` ' +
          '(components.schemas.Error); every 400 names the field(s). Instants are ISO 8601 UTC strings.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await server.register(swaggerUi, { routePrefix: '/docs', staticCSP: false });
  server.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => server.swagger());
}
