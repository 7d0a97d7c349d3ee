import type { FastifyInstance } from 'fastify';
import { AfterwordError } from '../../errors.js';
import type { ServedApp } from '../app-port.js';
import { actorOf } from '../auth.js';
import { bearer, commonErrors, idParam, limitQuery, pageOf } from '../schemas.js';

export function worldRoutes(server: FastifyInstance, app: ServedApp): void {
  const tags = ['world'];

  server.post<{ Body: Record<string, unknown> }>(
    '/v1/world/import',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security: bearer,
        operationId: 'importWorld',
        summary: 'Replace the canonical world from a world file (refused whole, naming the entry, when invalid)',
        body: { type: 'object' },
        response: {
          200: {
            description: 'The world now in force',
            type: 'object',
            required: ['worldId', 'version'],
            properties: {
              worldId: { type: 'string' },
              version: { type: 'integer' },
              entities: { type: 'integer', description: 'entities imported' },
              capabilities: { type: 'integer', description: 'capabilities imported' },
            },
            examples: [{ worldId: 'world.demo-kyther', version: 1, entities: 34, capabilities: 7 }],
          },
          ...commonErrors,
        },
      },
    },
    async (request) => app.world.importWorld(request.body, actorOf(request)),
  );

  server.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/world/entities',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'listEntities',
        summary: 'Canonical entities by id, with cursor pagination',
        description: 'Pass `nextCursor` back as `cursor` for the next page; null means this was the last.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: limitQuery, cursor: { type: 'string', maxLength: 500 } },
        },
        response: { 200: { description: 'The entities', ...pageOf({ $ref: 'Entity#' }) }, ...commonErrors },
      },
    },
    async (request) => app.world.entityPage(request.query),
  );

  server.get<{ Params: { entityId: string } }>(
    '/v1/world/entities/:entityId',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'getEntity',
        summary: 'One canonical entity',
        params: idParam('entityId', 'the entity id'),
        response: { 200: { description: 'The entity', $ref: 'Entity#' }, ...commonErrors },
      },
    },
    async (request) => {
      const entity = await app.world.entity(request.params.entityId);
      if (!entity) throw new AfterwordError('not_found', `entity ${request.params.entityId} does not exist`);
      return entity;
    },
  );
}
