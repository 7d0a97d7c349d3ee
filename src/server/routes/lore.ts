import type { FastifyInstance } from 'fastify';
import type { ServedApp } from '../app-port.js';
import { pageOf, publicErrors } from '../schemas.js';

/** The one anonymous API route: published lore is public by design, and the route only reads. */
export function loreRoutes(server: FastifyInstance, app: ServedApp): void {
  server.get<{ Querystring: { q: string; limit: number; cursor?: string } }>(
    '/v1/lore/search',
    {
      config: { access: 'public' },
      schema: {
        tags: ['lore'],
        operationId: 'searchLore',
        security: [],
        summary: 'Full-text search over published lore (no token needed)',
        querystring: {
          type: 'object',
          required: ['q'],
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 200, description: 'plain words (never query syntax); empty: no results' },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            cursor: { type: 'string', maxLength: 500, description: '`nextCursor` of the previous page' },
          },
        },
        response: { 200: { description: 'The best matches first', ...pageOf({ $ref: 'LoreHit#' }) }, ...publicErrors },
      },
    },
    async (request) => app.lore.searchPage(request.query.q, request.query),
  );
}
