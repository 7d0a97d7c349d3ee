import type { FastifyInstance } from 'fastify';
import type { ServedApp } from '../app-port.js';
import { actorOf } from '../auth.js';
import { bearer, commonErrors, idParam, limitQuery, pageOf, record, sessionIdParam } from '../schemas.js';
import { instant, optionalInstant } from '../components.js';
import { ownerGuard } from './sessions.js';

const reasonEnum = [
  'low_confidence',
  'capability_violation',
  'unknown_capability',
  'conflict_detected',
  'hedged',
  'unattached_capability',
];
const tierEnum = ['high', 'medium', 'low'];
const statusEnum = ['pending', 'needs-review', 'approved', 'rejected', 'rewrite-requested', 'escalated'];
const cursorQuery = { type: 'string', maxLength: 500, description: 'the `nextCursor` of the previous page' } as const;

/** What a moderator filters deltas by, the same in the queue listing and in a bulk decision. */
const deltaFilterProperties = {
  sessionId: { type: 'string', minLength: 1, maxLength: 128 },
  entityId: { type: 'string', minLength: 1, maxLength: 200 },
  reason: { type: 'string', enum: reasonEnum },
  confidenceTier: { type: 'string', enum: tierEnum },
} as const;

interface DeltaListQuery {
  status?: string;
  sessionId?: string;
  entityId?: string;
  reason?: string;
  confidenceTier?: string;
  limit: number;
  cursor?: string;
}

interface BulkBody {
  decision: string;
  dryRun?: boolean;
  note?: string;
  filter?: {
    sessionId?: string;
    entityId?: string;
    reason?: string;
    confidenceTier?: string;
    olderThanMs?: number;
    status?: string;
  };
}

export function deltaRoutes(server: FastifyInstance, app: ServedApp): void {
  const tags = ['moderation'];

  server.get<{ Querystring: DeltaListQuery }>(
    '/v1/deltas',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'listDeltas',
        summary: 'World delta proposals, newest first, filtered; cursor-paginated',
        description: 'Pass `nextCursor` back as `cursor` for the next page; `nextCursor` is null on the last page.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: statusEnum },
            ...deltaFilterProperties,
            limit: { ...limitQuery, default: 100 },
            cursor: cursorQuery,
          },
        },
        response: { 200: { description: 'The deltas', ...pageOf({ $ref: 'Delta#' }) }, ...commonErrors },
      },
    },
    async (request) => app.moderation.page(request.query),
  );

  server.get<{ Params: { deltaId: string } }>(
    '/v1/deltas/:deltaId',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'getDelta',
        summary: 'One delta with its decisions (the audit trail)',
        params: idParam('deltaId', 'the delta id'),
        response: { 200: { description: 'The delta with its decisions', ...record }, ...commonErrors },
      },
    },
    async (request) => (await app.moderation.get(request.params.deltaId)) as object,
  );

  server.post<{ Params: { deltaId: string }; Body: { decision: string; note?: string } }>(
    '/v1/deltas/:deltaId/decision',
    {
      config: { access: 'moderate' },
      schema: {
        tags,
        security: bearer,
        operationId: 'decideDelta',
        summary: 'Decide a delta: approve, reject, rewrite (the note says how) or escalate',
        params: idParam('deltaId', 'the delta id'),
        body: {
          type: 'object',
          required: ['decision'],
          additionalProperties: false,
          properties: {
            decision: { type: 'string', enum: ['approve', 'reject', 'rewrite', 'escalate'] },
            note: { type: 'string', maxLength: 2000 },
          },
        },
        response: {
          200: {
            description: 'The decided delta, the decision, and the batch it was holding',
            type: 'object',
            additionalProperties: true,
            properties: {
              delta: { $ref: 'Delta#' },
              decision: {
                type: 'object',
                additionalProperties: true,
                properties: {
                  deltaId: { type: 'string' },
                  decision: { type: 'string' },
                  actor: { type: 'string' },
                  note: { type: ['string', 'null'] },
                  decidedAt: instant,
                },
              },
              batch: { anyOf: [{ $ref: 'PublishingBatch#' }, { type: 'null' }] },
            },
          },
          ...commonErrors,
        },
      },
    },
    async (request) => {
      const { decision, note } = request.body;
      const result = await app.moderation.decide(request.params.deltaId, { decision, actor: actorOf(request), note });
      return result && typeof result === 'object' ? result : { ok: true };
    },
  );

  server.post<{ Body: BulkBody }>(
    '/v1/deltas/bulk-decision',
    {
      config: { access: 'moderate' },
      schema: {
        tags,
        security: bearer,
        operationId: 'bulkDecideDeltas',
        summary: 'Decide every delta matching a filter; `dryRun: true` previews the count',
        description:
          'Filters: session, entity, reason, confidence tier, age (`olderThanMs`), status (default: needs-review and escalated). ' +
          'Each delta decided gets its own audit record (via `bulk:<bulkId>`).',
        body: {
          type: 'object',
          required: ['decision'],
          additionalProperties: false,
          properties: {
            decision: { type: 'string', enum: ['approve', 'reject', 'rewrite', 'escalate'] },
            dryRun: { type: 'boolean', default: false },
            note: { type: 'string', maxLength: 2000 },
            filter: {
              type: 'object',
              additionalProperties: false,
              properties: {
                ...deltaFilterProperties,
                olderThanMs: { type: 'integer', minimum: 0, maximum: 31_536_000_000_000 },
                status: { type: 'string', enum: ['pending', 'needs-review', 'escalated'] },
              },
            },
          },
        },
        response: { 200: { description: 'How many deltas were (or would be) decided', ...record }, ...commonErrors },
      },
    },
    async (request) => {
      const { decision, dryRun, note, filter } = request.body;
      return (await app.moderation.bulk({ decision, dryRun, note, filter, actor: actorOf(request) })) as object;
    },
  );

  server.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/moderation/contested',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'listContestedEntities',
        summary: 'Contested entities: competing proposals from several sessions, one item per entity',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, cursor: cursorQuery },
        },
        response: { 200: { description: 'A page of contested entities', ...pageOf(record) }, ...commonErrors },
      },
    },
    async (request) => app.moderation.contested(request.query),
  );

  server.get(
    '/v1/moderation/counts',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'countModeration',
        summary: 'Moderation items before and after grouping (deltas waiting, contested entities, items)',
        response: { 200: { description: 'The counts', ...record }, ...commonErrors },
      },
    },
    async () => (await app.moderation.counts()) as object,
  );

  server.get<{ Params: { entityId: string } }>(
    '/v1/moderation/contested/:entityId',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'getContestedEntity',
        summary: 'One contested entity: its canon and each session’s proposal with evidence sentences',
        params: idParam('entityId', 'the entity id'),
        response: { 200: { description: 'The contested entity and its proposals', ...record }, ...commonErrors },
      },
    },
    async (request) => (await app.moderation.contestedEntity(request.params.entityId)) as object,
  );

  server.post<{
    Params: { entityId: string };
    Body: { action: string; deltaId?: string; values?: Record<string, unknown>; note?: string };
  }>(
    '/v1/moderation/contested/:entityId/decision',
    {
      config: { access: 'moderate' },
      schema: {
        tags,
        security: bearer,
        operationId: 'decideContestedEntity',
        summary: 'Decide a contested entity once: pick one proposal, merge values, or reject them all',
        params: idParam('entityId', 'the entity id'),
        body: {
          type: 'object',
          required: ['action'],
          additionalProperties: false,
          properties: {
            action: { type: 'string', enum: ['pick', 'merge', 'reject'] },
            deltaId: { type: 'string', minLength: 1, maxLength: 200 },
            values: { type: 'object', maxProperties: 20, additionalProperties: true },
            note: { type: 'string', maxLength: 2000 },
          },
        },
        response: { 200: { description: 'The decision and the deltas it decided', ...record }, ...commonErrors },
      },
    },
    async (request) => {
      const { action, deltaId, values, note } = request.body;
      return (await app.moderation.decideContested(request.params.entityId, {
        action,
        deltaId,
        values,
        note,
        actor: actorOf(request),
      })) as object;
    },
  );

  server.get<{ Params: { sessionId: string } }>(
    '/v1/sessions/:sessionId/moderation',
    {
      preValidation: ownerGuard(app),
      config: { access: 'session-read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'getModerationQueue',
        summary: "The session's moderation queue",
        params: sessionIdParam,
        response: {
          200: {
            description: 'The queue and its window',
            type: 'object',
            additionalProperties: true,
            required: ['items'],
            properties: {
              windowOpensAt: optionalInstant,
              windowClosesAt: optionalInstant,
              windowState: { type: 'string' },
              items: { type: 'array', items: { $ref: 'ModerationItem#' } },
              pendingCount: { type: 'integer' },
            },
          },
          ...commonErrors,
        },
      },
    },
    async (request) => {
      const queue = await app.moderation.queue(request.params.sessionId, Date.now());
      return Array.isArray(queue) ? { items: queue } : queue;
    },
  );
}
