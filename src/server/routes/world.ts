import type { FastifyInstance } from 'fastify';
import { AfterwordError } from '../../errors.js';
import type { ServedApp } from '../app-port.js';
import { actorOf } from '../auth.js';
import { bearer, commonErrors, idParam, limitQuery, pageOf, record } from '../schemas.js';

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
        summary:
          'Import a world file: the same world is merged into the canon (added, updated, pipeline canon kept, conflicts per field); another world replaces it. Refused whole, naming the entry, when invalid',
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
              merged: { type: 'boolean', description: 'the same world: merged into the canon (else replaced or first)' },
              added: { type: 'integer', description: 'entities new in the file' },
              updated: { type: 'integer', description: 'entities a field of which the file changed' },
              fieldsChanged: { type: 'integer' },
              notInFile: { type: 'array', items: { type: 'string' }, description: 'entities kept though the file has them not' },
              conflicts: {
                type: 'array',
                description: 'fields both the file and the pipeline changed: the canon kept its value',
                items: {
                  type: 'object',
                  properties: {
                    entityId: { type: 'string' },
                    field: { type: 'string' },
                    canon: {},
                    file: {},
                    previousFile: {},
                  },
                },
              },
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

  server.get(
    '/v1/world/export',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'exportWorld',
        summary: 'The current canon as a world file (importing it again changes nothing)',
        response: {
          200: { description: 'A world file: worldId, name, version, entities, capabilities', ...record },
          ...commonErrors,
        },
      },
    },
    async () => app.world.exportWorld(),
  );

  server.get<{ Params: { entityId: string }; Querystring: { limit: number; cursor?: string } }>(
    '/v1/world/entities/:entityId/history',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'listEntityHistory',
        summary: "An entity's change history, newest first: each field changed by an import or an applied delta",
        description:
          'Each item: `field`, `before`, `after`, `source` (import | delta), `deltaId`, `sessionId`, `approvedBy`, `worldVersion`, `changedAt`. Cursor pagination.',
        params: idParam('entityId', 'the entity id'),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: limitQuery, cursor: { type: 'string', maxLength: 500 } },
        },
        response: { 200: { description: 'One page of changes', ...pageOf(record) }, ...commonErrors },
      },
    },
    async (request) => app.world.history(request.params.entityId, request.query),
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
