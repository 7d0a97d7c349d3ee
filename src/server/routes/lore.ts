import type { FastifyInstance } from 'fastify';
import type { ServedApp } from '../app-port.js';
import { commonErrors, recordList } from '../schemas.js';

/** The one anonymous API route: published lore is public by design, and the route only reads. */
export function loreRoutes(server: FastifyInstance, app: ServedApp): void {
  server.get<{ Querystring: { q: string; limit: number } }>(
    '/v1/lore/search',
    {
      config: { access: 'public' },
      schema: {
        tags: ['lore'],
        summary: 'Full-text search over published lore (no token needed)',
        querystring: {
          type: 'object',
          required: ['q'],
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 200, description: 'plain words (never query syntax); empty: no results' },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
        },
        response: { 200: { type: 'object', properties: { items: recordList } }, ...commonErrors },
      },
    },
    async (request) => {
      const hits = await app.lore.search(request.query.q, request.query.limit);
      return Array.isArray(hits) ? { items: hits } : hits;
    },
  );
}
