import type { Registry } from 'prom-client';
import type { AfterwordConfig } from '../config.js';
import type { SessionScope } from '../sessions/session-types.js';
import type { EventBus, EventFilter } from '../telemetry/event-bus.js';
import type { StoredEvent } from '../telemetry/topics.js';

/**
 * The slice of the application API (src/app.ts) the HTTP server calls. The server holds no
 * business rules: every route validates its transport input, calls one of these methods and
 * serialises the answer. Declared structurally so the server compiles against the contract and
 * tests can see at a glance what the server depends on.
 */
export interface ServedApp {
  readonly config: AfterwordConfig;
  readonly sessions: {
    upsert(sessionId: string, context: unknown, scope: SessionScope): Promise<{ session: unknown; created: boolean }>;
    appendTurns(sessionId: string, turns: unknown, field: string, scope: SessionScope): Promise<unknown>;
    appendChanges(sessionId: string, changes: unknown, field: string, scope: SessionScope): Promise<unknown>;
    summary(sessionId: string, scope: SessionScope): Promise<unknown>;
    list(
      query: { status?: 'active' | 'closed' | undefined; limit?: number | undefined; cursor?: string | undefined },
      scope: SessionScope,
    ): Promise<{
      items: unknown[];
      nextCursor: string | null;
    }>;
    transcript(sessionId: string, afterSeq: number, limit: number, scope: SessionScope): Promise<unknown[]>;
    history(
      sessionId: string,
      query: { limit?: number | undefined; cursor?: string | undefined },
      scope: SessionScope,
    ): Promise<unknown>;
  };
  readonly coordinator: {
    closeSession(
      sessionId: string,
      options: {
        reason?: string | undefined;
        closedBy: string;
        closedByLabel?: string | undefined;
        trigger?: any;
        scope: SessionScope;
      },
    ): Promise<{ session: unknown; job: unknown; created: boolean }>;
  };
  readonly artefacts: {
    summary(sessionId: string, version?: number): Promise<unknown>;
    mentions(sessionId: string): Promise<unknown[]>;
    mentionPage(
      sessionId: string,
      query: { limit?: number | undefined; cursor?: string | undefined },
    ): Promise<{ items: unknown[]; nextCursor: string | null }>;
  };
  readonly engine: {
    listJobs(query: {
      status?: any;
      workflow?: string | undefined;
      concurrencyKey?: string | undefined;
      beforeSeq?: number | undefined;
      limit: number;
    }): Promise<Array<{ seq: number }>>;
    timeline(jobId: string): Promise<unknown>;
    retry(jobId: string, actor?: string): Promise<unknown>;
    cancel(jobId: string, actor?: string): Promise<unknown>;
    rerunFrom(jobId: string, step: string, actor?: string): Promise<unknown>;
    countByStatus(workflow?: string): Promise<Record<string, number>>;
  };
  readonly world: {
    importWorld(json: unknown, actor?: string): Promise<unknown>;
    entity(entityId: string): Promise<unknown>;
    entities(): Promise<unknown[]>;
    history(
      entityId: string,
      query: { limit?: number | undefined; cursor?: string | undefined },
    ): Promise<{ items: unknown[]; nextCursor: string | null }>;
    exportWorld(): Promise<unknown>;
    entityPage(query: { limit?: number | undefined; cursor?: string | undefined }): Promise<{
      items: unknown[];
      nextCursor: string | null;
    }>;
  };
  readonly moderation: {
    page(query: {
      status?: string | undefined;
      sessionId?: string | undefined;
      entityId?: string | undefined;
      reason?: string | undefined;
      confidenceTier?: string | undefined;
      limit?: number | undefined;
      cursor?: string | undefined;
    }): Promise<{ items: unknown[]; nextCursor: string | null }>;
    get(deltaId: string): Promise<unknown>;
    decide(deltaId: string, decision: { decision: unknown; actor: string; note?: string | undefined }): Promise<unknown>;
    bulk(request: {
      decision: unknown;
      filter?: Record<string, unknown> | undefined;
      dryRun?: boolean | undefined;
      note?: string | undefined;
      actor: string;
    }): Promise<unknown>;
    contested(query: { limit?: number | undefined; cursor?: string | undefined }): Promise<{
      items: unknown[];
      nextCursor: string | null;
    }>;
    contestedEntity(entityId: string): Promise<unknown>;
    decideContested(
      entityId: string,
      decision: {
        action: unknown;
        deltaId?: string | undefined;
        values?: Record<string, unknown> | undefined;
        note?: string | undefined;
        actor: string;
      },
    ): Promise<unknown>;
    counts(): Promise<unknown>;
    queue(sessionId: string, now: number): Promise<unknown>;
  };
  readonly alerts: {
    page(query: {
      open?: boolean | undefined;
      state?: string | undefined;
      sessionId?: string | undefined;
      reason?: string | undefined;
      limit?: number | undefined;
      cursor?: string | undefined;
    }): Promise<{ items: unknown[]; nextCursor: string | null }>;
    counts(): Promise<unknown>;
    acknowledge(alertId: string, actor: string): Promise<unknown>;
  };
  readonly publishing: {
    batches(query: { sessionId?: string | undefined; status?: string | undefined }): Promise<unknown[]>;
    batchPage(query: {
      sessionId?: string | undefined;
      status?: string | undefined;
      limit?: number | undefined;
      cursor?: string | undefined;
    }): Promise<{ items: unknown[]; nextCursor: string | null }>;
    schedule(sessionId: string): Promise<unknown>;
    override(sessionId: string, request: { batchAt: unknown; actor: string; reason?: string | undefined }): Promise<unknown>;
  };
  readonly webhooks: {
    topics(): string[];
    create(input: Record<string, unknown>, actor: string): Promise<unknown>;
    list(query: {
      limit?: number | undefined;
      cursor?: string | undefined;
    }): Promise<{ items: unknown[]; nextCursor: string | null }>;
    get(endpointId: string): Promise<unknown>;
    update(endpointId: string, input: Record<string, unknown>, actor: string): Promise<unknown>;
    remove(endpointId: string, actor: string): Promise<unknown>;
    rotateSecret(endpointId: string, actor: string): Promise<unknown>;
    deliveries(query: Record<string, unknown>): Promise<{ items: unknown[]; nextCursor: string | null }>;
    delivery(deliveryId: string): Promise<unknown>;
    redrive(filter: Record<string, unknown>, actor: string): Promise<unknown>;
  };
  readonly lore: {
    search(query: string, limit?: number): Promise<unknown>;
    searchPage(
      query: string,
      options: { limit?: number | undefined; cursor?: string | undefined },
    ): Promise<{ items: unknown[]; nextCursor: string | null }>;
  };
  readonly events: EventBus;
  eventsSince(lastId: number, filter?: EventFilter, limit?: number): Promise<StoredEvent[]>;
  /** The newest committed event's id (0 when none): where a stream without `Last-Event-ID` starts. */
  latestEventId(): Promise<number>;
  readonly metrics: Registry;
  readiness(): Promise<{ ready: boolean }>;
  stop(): Promise<void>;
}
