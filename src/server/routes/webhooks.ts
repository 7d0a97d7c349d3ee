import type { FastifyInstance } from 'fastify';
import type { ServedApp } from '../app-port.js';
import { actorOf } from '../auth.js';
import { bearer, commonErrors, idParam, limitQuery } from '../schemas.js';

const endpointFields = {
  url: { type: 'string', minLength: 1, maxLength: 2000, description: 'http(s) URL the deliveries are POSTed to' },
  topics: {
    type: 'array',
    minItems: 1,
    maxItems: 50,
    items: { type: 'string', minLength: 1, maxLength: 100 },
    description: 'webhook topics to receive (see GET /v1/webhooks/topics), or ["*"] for all',
  },
  description: { type: 'string', maxLength: 500 },
  enabled: { type: 'boolean' },
} as const;

const endpoint = {
  type: 'object',
  additionalProperties: true,
  description: 'A webhook subscription (never with its secret)',
  properties: {
    endpointId: { type: 'string' },
    url: { type: 'string' },
    description: { type: 'string' },
    topics: { type: 'array', items: { type: 'string' } },
    enabled: { type: 'boolean' },
    disabledReason: { type: ['string', 'null'] },
  },
} as const;

const redriven = {
  description: 'The deliveries queued again (same webhook-id)',
  type: 'object',
  required: ['redriven', 'deliveryIds'],
  properties: { redriven: { type: 'integer' }, deliveryIds: { type: 'array', items: { type: 'string' } } },
} as const;

const withSecret = {
  ...endpoint,
  description: 'A webhook subscription with its signing secret: shown this once, never again',
  properties: { ...endpoint.properties, secret: { type: 'string', description: 'whsec_...: verify signatures with it' } },
} as const;

const instant = { type: 'string', maxLength: 40, description: 'ISO 8601 time or epoch milliseconds' } as const;

const deliveryFilter = {
  endpointId: { type: 'string', maxLength: 200 },
  topic: { type: 'string', maxLength: 100 },
  since: instant,
  until: instant,
} as const;

/**
 * Webhook subscriptions, deliveries and redrive (admin only). The secret appears in the answers
 * of create and rotate-secret only.
 */
export function webhookRoutes(server: FastifyInstance, app: ServedApp): void {
  const tags = ['webhooks'];
  const access = { access: 'admin' } as const;

  server.get(
    '/v1/webhooks/topics',
    {
      config: access,
      schema: {
        tags,
        security: bearer,
        operationId: 'listWebhookTopics',
        summary: 'The topics an endpoint can subscribe to',
        response: {
          200: {
            description: 'The topic names',
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: { type: 'string' } } },
          },
          ...commonErrors,
        },
      },
    },
    async () => ({ items: app.webhooks.topics() }),
  );

  server.post<{ Body: Record<string, unknown> }>(
    '/v1/webhooks',
    {
      config: access,
      schema: {
        tags,
        security: bearer,
        operationId: 'createWebhook',
        summary: 'Subscribe an endpoint; the answer carries its signing secret, the only time it is shown',
        body: { type: 'object', additionalProperties: false, required: ['url', 'topics'], properties: endpointFields },
        response: { 201: withSecret, ...commonErrors },
      },
    },
    async (request, reply) => {
      const created = await app.webhooks.create(request.body, actorOf(request));
      return reply.code(201).send(created);
    },
  );

  server.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/webhooks',
    {
      config: access,
      schema: {
        tags,
        security: bearer,
        operationId: 'listWebhooks',
        summary: 'Webhook endpoints, oldest first (cursor-paginated)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: limitQuery, cursor: { type: 'string', maxLength: 500 } },
        },
        response: {
          200: {
            description: 'A page of endpoints',
            type: 'object',
            properties: { items: { type: 'array', items: endpoint }, nextCursor: { type: ['string', 'null'] } },
          },
          ...commonErrors,
        },
      },
    },
    async (request) => app.webhooks.list(request.query),
  );

  server.get<{ Querystring: Record<string, string | number | undefined> & { limit: number } }>(
    '/v1/webhooks/deliveries',
    {
      config: access,
      schema: {
        tags,
        security: bearer,
        operationId: 'listWebhookDeliveries',
        summary: 'Deliveries newest first, by endpoint, topic, status and creation time (cursor-paginated)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...deliveryFilter,
            status: { type: 'string', enum: ['pending', 'delivered', 'dead'] },
            limit: limitQuery,
            cursor: { type: 'string', maxLength: 500 },
          },
        },
        response: {
          200: {
            description: 'A page of deliveries',
            type: 'object',
            properties: {
              items: { type: 'array', items: { $ref: 'WebhookDelivery#' } },
              nextCursor: { type: ['string', 'null'] },
            },
          },
          ...commonErrors,
        },
      },
    },
    async (request) => app.webhooks.deliveries(request.query),
  );

  server.get<{ Params: { deliveryId: string } }>(
    '/v1/webhooks/deliveries/:deliveryId',
    {
      config: access,
      schema: {
        tags,
        security: bearer,
        operationId: 'getWebhookDelivery',
        summary: 'One delivery with its attempt log (status code, latency, response excerpt per attempt)',
        params: idParam('deliveryId', 'the delivery id'),
        response: { 200: { description: 'The delivery with its attempt log', $ref: 'WebhookDelivery#' }, ...commonErrors },
      },
    },
    async (request) => app.webhooks.delivery(request.params.deliveryId),
  );

  server.post<{ Params: { deliveryId: string } }>(
    '/v1/webhooks/deliveries/:deliveryId/redrive',
    {
      config: access,
      schema: {
        tags,
        security: bearer,
        operationId: 'redriveWebhookDelivery',
        summary: 'Redrive one dead-lettered delivery (same webhook-id)',
        params: idParam('deliveryId', 'the delivery id'),
        response: { 200: redriven, ...commonErrors },
      },
    },
    async (request) => app.webhooks.redrive({ deliveryId: request.params.deliveryId }, actorOf(request)),
  );

  server.post<{ Body: Record<string, unknown> | undefined }>(
    '/v1/webhooks/redrive',
    {
      config: access,
      schema: {
        tags,
        security: bearer,
        operationId: 'redriveWebhookDeliveries',
        summary: 'Redrive every dead-lettered delivery matching the filter (endpoint, topic, creation time range)',
        body: { type: 'object', additionalProperties: false, properties: deliveryFilter },
        response: { 200: redriven, ...commonErrors },
      },
    },
    async (request) => app.webhooks.redrive(request.body ?? {}, actorOf(request)),
  );

  server.get<{ Params: { endpointId: string } }>(
    '/v1/webhooks/:endpointId',
    {
      config: access,
      schema: {
        tags,
        security: bearer,
        operationId: 'getWebhook',
        summary: 'One webhook endpoint',
        params: idParam('endpointId', 'the endpoint id'),
        response: { 200: endpoint, ...commonErrors },
      },
    },
    async (request) => app.webhooks.get(request.params.endpointId),
  );

  server.patch<{ Params: { endpointId: string }; Body: Record<string, unknown> }>(
    '/v1/webhooks/:endpointId',
    {
      config: access,
      schema: {
        tags,
        security: bearer,
        operationId: 'updateWebhook',
        summary: 'Change an endpoint (enabling it again clears its failure streak)',
        params: idParam('endpointId', 'the endpoint id'),
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: endpointFields },
        response: { 200: endpoint, ...commonErrors },
      },
    },
    async (request) => app.webhooks.update(request.params.endpointId, request.body, actorOf(request)),
  );

  server.delete<{ Params: { endpointId: string } }>(
    '/v1/webhooks/:endpointId',
    {
      config: access,
      schema: {
        tags,
        security: bearer,
        operationId: 'deleteWebhook',
        summary: 'Remove an endpoint with its deliveries and their log',
        params: idParam('endpointId', 'the endpoint id'),
        response: {
          200: {
            description: 'Removed',
            type: 'object',
            required: ['endpointId', 'deleted'],
            properties: { endpointId: { type: 'string' }, deleted: { type: 'boolean', enum: [true] } },
          },
          ...commonErrors,
        },
      },
    },
    async (request) => app.webhooks.remove(request.params.endpointId, actorOf(request)),
  );

  server.post<{ Params: { endpointId: string } }>(
    '/v1/webhooks/:endpointId/rotate-secret',
    {
      config: access,
      schema: {
        tags,
        security: bearer,
        operationId: 'rotateWebhookSecret',
        summary: 'A new signing secret (shown once); the previous one also signs during webhooks.rotationOverlapMs',
        params: idParam('endpointId', 'the endpoint id'),
        response: { 200: withSecret, ...commonErrors },
      },
    },
    async (request) => app.webhooks.rotateSecret(request.params.endpointId, actorOf(request)),
  );
}
