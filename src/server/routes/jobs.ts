import type { FastifyInstance } from 'fastify';
import { decodeCursor, encodeCursor } from '../../cursors.js';
import type { ServedApp } from '../app-port.js';
import { actorOf } from '../auth.js';
import { bearer, commonErrors, idParam, pageOf } from '../schemas.js';

const jobStatuses = ['queued', 'retrying', 'processing', 'completed', 'failed', 'cancelled'];
const jobIdParam = idParam('jobId', 'the job id');
const jobAnswer = (description: string) =>
  ({ description, type: 'object', required: ['job'], properties: { job: { $ref: 'Job#' } } }) as const;

export function jobRoutes(server: FastifyInstance, app: ServedApp): void {
  const tags = ['jobs'];

  server.get<{ Querystring: { status?: string; workflow?: string; sessionId?: string; limit: number; cursor?: string } }>(
    '/v1/jobs',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'listJobs',
        summary: 'List jobs, newest first, with filters and cursor pagination',
        description: '`sessionId` filters closure jobs by their session (the engine concurrency key).',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: jobStatuses },
            workflow: { type: 'string', maxLength: 100 },
            sessionId: { type: 'string', maxLength: 128 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            cursor: { type: 'string', maxLength: 100 },
          },
        },
        response: { 200: { description: 'A page of jobs', ...pageOf({ $ref: 'Job#' }) }, ...commonErrors },
      },
    },
    async (request) => {
      const { status, workflow, sessionId, limit, cursor } = request.query;
      const items = await app.engine.listJobs({
        status,
        workflow,
        concurrencyKey: sessionId,
        beforeSeq: decodeCursor('jobs', cursor),
        limit,
      });
      const last = items[items.length - 1];
      return { items, nextCursor: items.length === limit && last ? encodeCursor('jobs', last.seq) : null };
    },
  );

  server.get(
    '/v1/jobs/counts',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'countJobs',
        summary: 'How many jobs are in each status',
        response: {
          200: {
            description: 'Job counts by status',
            type: 'object',
            additionalProperties: { type: 'integer' },
            examples: [{ queued: 2, retrying: 0, processing: 1, completed: 40, failed: 0, cancelled: 0 }],
          },
          ...commonErrors,
        },
      },
    },
    async () => app.engine.countByStatus(),
  );

  server.get<{ Params: { jobId: string } }>(
    '/v1/jobs/:jobId',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security: bearer,
        operationId: 'getJob',
        summary: 'A job with its step timeline: finished steps (with durations), pending steps and attempts',
        params: jobIdParam,
        response: {
          200: {
            description: 'The job and its timeline',
            type: 'object',
            required: ['job', 'steps', 'pendingSteps', 'attempts'],
            properties: {
              job: { $ref: 'Job#' },
              steps: { type: 'array', items: { $ref: 'JobStep#' } },
              pendingSteps: { type: 'array', items: { type: 'string' } },
              attempts: { type: 'array', items: { $ref: 'JobAttempt#' } },
              links: {
                type: 'object',
                description:
                  'Where else the job can be seen: `temporal`, its workflow in the Temporal Web UI (Temporal engine, `temporal.webUiUrl` set)',
                properties: { temporal: { type: 'string' } },
              },
            },
          },
          ...commonErrors,
        },
      },
    },
    async (request) => app.engine.timeline(request.params.jobId),
  );

  server.post<{ Params: { jobId: string } }>(
    '/v1/jobs/:jobId/retry',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security: bearer,
        operationId: 'retryJob',
        summary: 'Re-queue a failed or cancelled job (recorded with the caller as actor)',
        params: jobIdParam,
        response: { 200: jobAnswer('The job, queued again'), ...commonErrors },
      },
    },
    async (request) => ({ job: await app.engine.retry(request.params.jobId, actorOf(request)) }),
  );

  server.post<{ Params: { jobId: string }; Body: { step: string } }>(
    '/v1/jobs/:jobId/rerun',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security: bearer,
        operationId: 'rerunJob',
        summary: 'Re-run a finished job from a step (recorded with the caller as actor)',
        description:
          'The checkpoints of `step` and every later step are discarded and the job is queued again with a fresh attempt budget; its workers run from `step` on. The job must be finished (completed, failed or cancelled). A closure whose lore batch is already published can only be re-run from `reconcile`.',
        params: jobIdParam,
        body: {
          type: 'object',
          required: ['step'],
          additionalProperties: false,
          properties: { step: { type: 'string', minLength: 1, maxLength: 100, description: 'a step of the job’s workflow' } },
        },
        response: { 200: jobAnswer('The job, queued to run from `step`'), ...commonErrors },
      },
    },
    async (request) => ({ job: await app.engine.rerunFrom(request.params.jobId, request.body.step, actorOf(request)) }),
  );

  server.post<{ Params: { jobId: string } }>(
    '/v1/jobs/:jobId/cancel',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security: bearer,
        operationId: 'cancelJob',
        summary: 'Cancel an unfinished job; a running worker loses its lease at once',
        params: jobIdParam,
        response: { 200: jobAnswer('The cancelled job'), ...commonErrors },
      },
    },
    async (request) => ({ job: await app.engine.cancel(request.params.jobId, actorOf(request)) }),
  );
}
