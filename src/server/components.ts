import type { FastifyInstance } from 'fastify';

/**
 * The records the API answers with, as shared schemas: registered once with `server.addSchema`,
 * they become `components.schemas` of /openapi.json and routes point at them with
 * `{ $ref: 'Name#' }`. Every instant is an ISO 8601 UTC string (`format: date-time`; the output
 * convention is in clock.ts). Records stay open (`additionalProperties: true`): a field added
 * later reaches clients before the document names it; the fields listed here are the contract.
 */

const instantExample = '2026-01-01T12:00:00.000Z';
export const instant = { type: 'string', format: 'date-time', examples: [instantExample] } as const;
export const optionalInstant = { type: ['string', 'null'], format: 'date-time', examples: [instantExample] } as const;
const str = { type: 'string' } as const;
const optionalStr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const optionalInt = { type: ['integer', 'null'] } as const;
const num = { type: 'number' } as const;
const bool = { type: 'boolean' } as const;
const open = { type: 'object', additionalProperties: true } as const;
const optionalOpen = { type: ['object', 'null'], additionalProperties: true } as const;
const strings = { type: 'array', items: str } as const;
const ref = (id: string) => ({ $ref: `${id}#` }) as const;

const jobStatus = { type: 'string', enum: ['queued', 'retrying', 'processing', 'completed', 'failed', 'cancelled'] } as const;

/** The error envelope of every failure. */
const ErrorEnvelope = {
  $id: 'Error',
  type: 'object',
  description: 'Every failure: a stable code, a message for people, and for input errors the fields at fault',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', description: 'stable, for programs (see docs/api.md)' },
        message: { type: 'string', description: 'for people' },
        issues: {
          type: 'array',
          description: 'every 400 names the field(s): `turns[0].text`, `query.limit`, `params.sessionId`, `(body)`',
          items: {
            type: 'object',
            required: ['field', 'reason'],
            properties: { field: str, reason: str },
          },
        },
        details: open,
      },
    },
  },
  examples: [
    {
      error: {
        code: 'invalid_input',
        message: 'turns[0].text: is required',
        issues: [{ field: 'turns[0].text', reason: 'is required' }],
      },
    },
  ],
} as const;

const Cadence = {
  $id: 'Cadence',
  type: 'object',
  additionalProperties: true,
  description: "A closed session's publishing cadence",
  properties: {
    closedAt: instant,
    moderationWindow: { type: 'object', properties: { opensAt: instant, closesAt: instant } },
    escalations: { type: 'array', items: instant, description: 'when the moderation queue escalates' },
    nextBatchAt: instant,
    plannedBatchAt: instant,
    nextDigestAt: instant,
    timeZone: str,
    overrides: { type: 'array', items: open },
  },
} as const;

const WorkflowRun = {
  $id: 'WorkflowRun',
  type: 'object',
  additionalProperties: true,
  description: 'One run of the closure workflow for a session',
  properties: {
    jobId: str,
    sessionId: str,
    auditRef: str,
    trigger: str,
    status: str,
    startedAt: optionalInstant,
    completedAt: optionalInstant,
    durationMs: optionalInt,
    attempts: int,
    summaryVersion: optionalInt,
    mentionCount: optionalInt,
    deltaCount: optionalInt,
    publishingBatchId: optionalStr,
    publishingStatus: optionalStr,
    moderation: optionalOpen,
    error: optionalOpen,
  },
} as const;

const Session = {
  $id: 'Session',
  type: 'object',
  additionalProperties: true,
  required: ['sessionId', 'status'],
  properties: {
    sessionId: str,
    status: { type: 'string', enum: ['active', 'closed'] },
    context: { ...open, description: "the session's metadata as sent (the gm owner is `context.owner`)" },
    createdAt: instant,
    updatedAt: instant,
    lastActivityAt: optionalInstant,
    turnCount: int,
    transcriptChars: int,
    changeCursor: int,
    lastAckCursor: int,
    closedAt: optionalInstant,
    closedBy: optionalStr,
    closureReason: optionalStr,
    closureTrigger: optionalStr,
    lastClosureAuditRef: optionalStr,
    lastClosureJobId: optionalStr,
    closureCursor: optionalInt,
    pendingOfflineReconcile: bool,
    offlineReconciledAt: optionalInstant,
    offlineReconcileAuditRef: optionalStr,
    cadence: { anyOf: [ref('Cadence'), { type: 'null' }] },
    offlinePending: bool,
    offlineLastRun: {
      type: ['object', 'null'],
      additionalProperties: true,
      properties: {
        status: str,
        completedAt: optionalInstant,
        durationMs: optionalInt,
        summaryVersion: optionalInt,
      },
    },
    lastOfflineWorkflowRun: { anyOf: [ref('WorkflowRun'), { type: 'null' }] },
    historyCount: int,
    publishing: {
      type: ['object', 'null'],
      additionalProperties: true,
      properties: {
        nextBatchAt: optionalInstant,
        nextDigestAt: optionalInstant,
        moderationWindow: { type: 'object', properties: { opensAt: instant, closesAt: instant } },
      },
    },
  },
  examples: [
    {
      sessionId: 'table-7-night-3',
      status: 'active',
      context: { owner: 'gm-one', character: { id: 'pc.kestrel', name: 'Kestrel Vane' } },
      createdAt: instantExample,
      updatedAt: instantExample,
      lastActivityAt: instantExample,
      turnCount: 80,
      closedAt: null,
    },
  ],
} as const;

const Turn = {
  $id: 'Turn',
  type: 'object',
  additionalProperties: true,
  required: ['seq', 'turnId', 'speaker', 'text'],
  properties: {
    seq: int,
    turnId: str,
    sceneId: optionalStr,
    actId: optionalStr,
    speaker: str,
    text: str,
    timestamp: instant,
    metadata: open,
  },
  examples: [
    {
      seq: 1,
      turnId: 't1',
      sceneId: 's1',
      actId: null,
      speaker: 'gm',
      text: 'The lantern flickers.',
      timestamp: instantExample,
      metadata: {},
    },
  ],
} as const;

const Job = {
  $id: 'Job',
  type: 'object',
  additionalProperties: true,
  required: ['jobId', 'workflow', 'status'],
  properties: {
    jobId: str,
    seq: int,
    workflow: str,
    payload: open,
    status: jobStatus,
    idempotencyKey: optionalStr,
    concurrencyKey: optionalStr,
    priority: int,
    runAt: instant,
    attempts: int,
    maxAttempts: int,
    slaMs: optionalInt,
    leaseOwner: optionalStr,
    leaseExpiresAt: optionalInstant,
    enqueuedAt: instant,
    startedAt: optionalInstant,
    completedAt: optionalInstant,
    durationMs: optionalInt,
    result: { description: "the workflow's result once completed" },
    error: optionalOpen,
    updatedAt: instant,
  },
  examples: [
    {
      jobId: '2f1c0d9e-3a4b-4c5d-8e9f-0a1b2c3d4e5f',
      seq: 1,
      workflow: 'session.closure',
      payload: { sessionId: 'table-7-night-3' },
      status: 'completed',
      runAt: instantExample,
      attempts: 1,
      maxAttempts: 5,
      enqueuedAt: instantExample,
      startedAt: instantExample,
      completedAt: instantExample,
      durationMs: 11045,
      updatedAt: instantExample,
    },
  ],
} as const;

const JobStep = {
  $id: 'JobStep',
  type: 'object',
  additionalProperties: true,
  properties: {
    step: str,
    name: str,
    stepIndex: int,
    attempt: int,
    output: {},
    startedAt: optionalInstant,
    completedAt: optionalInstant,
    durationMs: optionalInt,
  },
} as const;

const JobAttempt = {
  $id: 'JobAttempt',
  type: 'object',
  additionalProperties: true,
  properties: {
    attempt: int,
    workerId: optionalStr,
    startedAt: optionalInstant,
    endedAt: optionalInstant,
    outcome: optionalStr,
    error: optionalOpen,
  },
} as const;

const Entity = {
  $id: 'Entity',
  type: 'object',
  additionalProperties: true,
  required: ['entityId', 'entityType', 'canonicalName'],
  properties: {
    entityId: str,
    entityType: str,
    canonicalName: str,
    aliases: strings,
    tags: strings,
    state: open,
    revision: int,
  },
  examples: [
    {
      entityId: 'artifact.drowned-bell',
      entityType: 'artifact',
      canonicalName: 'Drowned Bell',
      aliases: ['Bell of Brackwater'],
      tags: ['relic', 'sea'],
      state: {},
      revision: 1,
    },
  ],
} as const;

const Delta = {
  $id: 'Delta',
  type: 'object',
  additionalProperties: true,
  required: ['deltaId', 'sessionId', 'status'],
  properties: {
    deltaId: str,
    sessionId: str,
    jobId: optionalStr,
    entityId: str,
    entityType: str,
    canonicalName: str,
    deltaType: str,
    before: optionalOpen,
    after: optionalOpen,
    proposedChanges: { type: 'array', items: open },
    capabilityRefs: { type: 'array' },
    confidence: num,
    confidenceTier: str,
    source: { type: 'array', items: open },
    safety: open,
    status: str,
    createdAt: instant,
    appliedAt: optionalInstant,
  },
} as const;

const Alert = {
  $id: 'Alert',
  type: 'object',
  additionalProperties: true,
  required: ['id', 'reason'],
  properties: {
    id: str,
    topic: str,
    sessionId: optionalStr,
    jobId: optionalStr,
    createdAt: instant,
    severity: str,
    reason: str,
    data: open,
    acknowledgedAt: optionalInstant,
    acknowledgedBy: optionalStr,
  },
} as const;

const PublishingBatch = {
  $id: 'PublishingBatch',
  type: 'object',
  additionalProperties: true,
  required: ['batchId', 'sessionId', 'status'],
  properties: {
    batchId: str,
    sessionId: str,
    jobId: optionalStr,
    status: { type: 'string', enum: ['awaiting_moderation', 'ready', 'published'] },
    scheduledAt: instant,
    plan: {
      type: 'object',
      additionalProperties: true,
      description: 'bundles, cards, overlays and search jobs to publish',
      properties: {
        scheduledAt: instant,
        preparedAt: instant,
        publishAt: instant,
        expiresAt: optionalInstant,
        blockingDeltaIds: strings,
        bundles: { type: 'array', items: open },
        cards: { type: 'array', items: open },
        overlays: { type: 'array', items: open },
      },
    },
    createdAt: instant,
    updatedAt: instant,
    publishedAt: optionalInstant,
  },
} as const;

const StorySummary = {
  $id: 'StorySummary',
  type: 'object',
  additionalProperties: true,
  required: ['sessionId', 'version'],
  properties: {
    sessionId: str,
    version: int,
    sceneBreakdown: { type: 'array', items: open },
    actSummary: { type: 'array', items: open },
    playerHighlights: { type: 'array', items: open },
    safetyNotes: { type: 'array' },
    attachmentsUrl: { type: 'array' },
    generatedAt: instant,
    statistics: { type: 'object', additionalProperties: { type: 'number' } },
  },
} as const;

const Mention = {
  $id: 'Mention',
  type: 'object',
  additionalProperties: true,
  properties: {
    mentionId: str,
    entityId: optionalStr,
    entityType: optionalStr,
    canonicalName: optionalStr,
    match: open,
    confidence: num,
    sentence: str,
    source: open,
    proposedChanges: { type: 'array' },
    capabilityRefs: { type: 'array' },
  },
} as const;

const ModerationItem = {
  $id: 'ModerationItem',
  type: 'object',
  additionalProperties: true,
  properties: {
    deltaId: str,
    sessionId: str,
    entityId: str,
    canonicalName: str,
    deltaType: str,
    status: str,
    reasons: strings,
    conflicts: { type: 'array' },
    before: optionalOpen,
    after: optionalOpen,
    confidence: num,
    decision: optionalOpen,
    countdownMs: optionalInt,
    nextEscalationAt: optionalInstant,
  },
} as const;

const LoreHit = {
  $id: 'LoreHit',
  type: 'object',
  additionalProperties: true,
  required: ['docId', 'title'],
  properties: {
    docId: str,
    kind: str,
    entityId: optionalStr,
    sessionId: str,
    title: str,
    snippet: str,
    version: int,
    publishedAt: instant,
  },
} as const;

const WebhookDelivery = {
  $id: 'WebhookDelivery',
  type: 'object',
  additionalProperties: true,
  required: ['deliveryId', 'endpointId', 'messageId', 'status'],
  properties: {
    deliveryId: str,
    endpointId: str,
    messageId: { type: 'string', description: 'the `webhook-id` header, the same on every retry' },
    topic: str,
    eventId: int,
    status: str,
    attempts: int,
    jobId: str,
    lastError: optionalStr,
    nextAttemptAt: optionalInstant,
    createdAt: instant,
    updatedAt: instant,
    deliveredAt: optionalInstant,
    log: {
      type: 'array',
      description: 'one entry per attempt (GET of one delivery only)',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          attempt: int,
          startedAt: instant,
          statusCode: optionalInt,
          latencyMs: int,
          outcome: str,
          error: optionalStr,
          responseExcerpt: optionalStr,
        },
      },
    },
  },
} as const;

const StoredEvent = {
  $id: 'StoredEvent',
  type: 'object',
  additionalProperties: true,
  required: ['id', 'topic', 'payload', 'createdAt'],
  properties: {
    id: { type: 'integer', description: 'increasing in commit order' },
    topic: str,
    sessionId: optionalStr,
    jobId: optionalStr,
    origin: str,
    payload: open,
    createdAt: instant,
  },
  examples: [
    {
      id: 17,
      topic: 'offline.sessionClosure.queued',
      sessionId: 'table-7-night-3',
      jobId: '2f1c0d9e-3a4b-4c5d-8e9f-0a1b2c3d4e5f',
      payload: {},
      createdAt: instantExample,
    },
  ],
} as const;

export const componentSchemas = [
  StoredEvent,
  WebhookDelivery,
  ErrorEnvelope,
  Cadence,
  WorkflowRun,
  Session,
  Turn,
  Job,
  JobStep,
  JobAttempt,
  Entity,
  Delta,
  Alert,
  PublishingBatch,
  StorySummary,
  Mention,
  ModerationItem,
  LoreHit,
] as const;

export function registerComponents(server: FastifyInstance): void {
  for (const schema of componentSchemas) server.addSchema(schema);
}

export { ref };
