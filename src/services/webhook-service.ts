import type { IdSource } from '../clock.js';
import type { AfterwordConfig } from '../config.js';
import { decodeCursor, encodeCursor, pageSize } from '../cursors.js';
import type { AddressPolicy } from '../delivery/address-policy.js';
import {
  type DeliveryStatus,
  getDelivery,
  listAttempts,
  listDeliveries,
  type WebhookDelivery,
} from '../delivery/webhook-delivery-store.js';
import {
  deleteEndpoint,
  getEndpoint,
  insertEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
  type WebhookEndpoint,
} from '../delivery/webhook-endpoint-store.js';
import { deleteDeliveriesOf, reassignDeliveryJob } from '../delivery/webhook-delivery-store.js';
import { generateSecret } from '../delivery/webhook-signing.js';
import { isWebhookTopic, webhookEvents, webhookTopicNames } from '../delivery/webhook-topics.js';
import type { WorkflowEngine } from '../engine/workflow-engine.js';
import { AfterwordError, type FieldIssue, invalidInput } from '../errors.js';
import type { Store } from '../store/store.js';
import { latestEventId } from '../telemetry/event-store.js';
import type { Tx } from '../telemetry/outbox.js';
import { type DeliveryJobPayload, webhookDeliveryWorkflowName } from '../workflow/webhook-delivery-workflow.js';

export interface EndpointInput {
  url?: unknown;
  topics?: unknown;
  description?: unknown;
  enabled?: unknown;
}

export interface RedriveFilter {
  deliveryId?: string | undefined;
  endpointId?: string | undefined;
  topic?: string | undefined;
  /** Deliveries created at or after (ISO 8601 or epoch ms). */
  since?: unknown;
  /** Deliveries created before (ISO 8601 or epoch ms). */
  until?: unknown;
}

export interface DeliveryListQuery {
  endpointId?: string | undefined;
  topic?: string | undefined;
  status?: string | undefined;
  since?: unknown;
  until?: unknown;
  limit?: number | undefined;
  cursor?: string | undefined;
}

const deliveryStatuses: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead'];

/** An instant given as ISO 8601 or epoch milliseconds; undefined stays undefined. */
function instant(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const at =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : Date.parse(String(value));
  if (!Number.isSafeInteger(at) || at < 0)
    throw invalidInput([{ field, reason: 'must be an ISO-8601 time or epoch milliseconds' }]);
  return at;
}

/** The filters deliveries are listed and redriven by, checked. */
function deliveryFilter(query: DeliveryListQuery) {
  if (query.topic !== undefined && !isWebhookTopic(query.topic))
    throw invalidInput([{ field: 'topic', reason: `must be one of ${webhookTopicNames.join(', ')}` }]);
  if (query.status !== undefined && !deliveryStatuses.includes(query.status as DeliveryStatus))
    throw invalidInput([{ field: 'status', reason: `must be one of ${deliveryStatuses.join(', ')}` }]);
  return {
    endpointId: query.endpointId,
    topic: query.topic,
    status: query.status as DeliveryStatus | undefined,
    since: instant(query.since, 'since'),
    until: instant(query.until, 'until'),
  };
}

const maxDescription = 500;
const maxUrl = 2_000;

/**
 * Webhook subscriptions and their deliveries: the application API the HTTP routes and the CLI
 * call. The secret of an endpoint is returned by `create` and `rotateSecret` only, once; no
 * other answer (and no event, and no log line) carries it.
 */
export class WebhookService {
  constructor(
    private readonly deps: {
      store: Store<Tx>;
      engine: WorkflowEngine;
      config: AfterwordConfig;
      ids: IdSource;
      policy: AddressPolicy;
    },
  ) {}

  /** The topics an endpoint may subscribe to. */
  topics(): string[] {
    return [...webhookTopicNames];
  }

  /** Subscribe an endpoint; the answer carries its signing secret, the only time it is shown. */
  async create(input: EndpointInput, actor: string): Promise<WebhookEndpoint & { secret: string }> {
    const fields = await this.validate(input, true);
    const secret = generateSecret();
    const endpoint = await this.deps.store.transact(async (tx) => {
      const created = await insertEndpoint(
        tx,
        {
          endpointId: `ep_${this.deps.ids.uuid().replaceAll('-', '')}`,
          url: fields.url as string,
          description: fields.description ?? '',
          topics: fields.topics as string[],
          enabled: fields.enabled ?? true,
          secret,
          // Events already committed are history: the endpoint receives what happens from now on.
          fromEventId: await latestEventId(tx),
          createdBy: actor,
        },
        tx.now,
      );
      await webhookEvents.emit(tx, 'webhook.endpoint.created', { endpointId: created.endpointId, actor, url: created.url });
      return created;
    });
    return { ...endpoint, secret };
  }

  async list(query: { limit?: number | undefined; cursor?: string | undefined } = {}) {
    const limit = pageSize(query.limit);
    const after = decodeCursor('webhooks', query.cursor);
    const items = await listEndpoints(this.deps.store.driver, { after, limit: limit + 1 });
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page,
      nextCursor:
        items.length > limit && last
          ? encodeCursor('webhooks', { createdAt: last.createdAt, endpointId: last.endpointId })
          : null,
    };
  }

  async get(endpointId: string): Promise<WebhookEndpoint> {
    const endpoint = await getEndpoint(this.deps.store.driver, endpointId);
    if (!endpoint) throw new AfterwordError('webhook_not_found', `webhook endpoint ${endpointId} does not exist`);
    return endpoint;
  }

  async update(endpointId: string, input: EndpointInput, actor: string): Promise<WebhookEndpoint> {
    const fields = await this.validate(input, false);
    return this.deps.store.transact(async (tx) => {
      const updated = await updateEndpoint(tx, endpointId, fields, tx.now);
      if (!updated) throw new AfterwordError('webhook_not_found', `webhook endpoint ${endpointId} does not exist`);
      await webhookEvents.emit(tx, 'webhook.endpoint.updated', {
        endpointId,
        actor,
        changed: Object.keys(fields).filter((k) => fields[k as keyof typeof fields] !== undefined),
      });
      return updated;
    });
  }

  /** Remove the endpoint with its deliveries and their log (queued delivery jobs then find nothing to send). */
  async remove(endpointId: string, actor: string): Promise<{ endpointId: string; deleted: true }> {
    return this.deps.store.transact(async (tx) => {
      if (!(await deleteEndpoint(tx, endpointId)))
        throw new AfterwordError('webhook_not_found', `webhook endpoint ${endpointId} does not exist`);
      await deleteDeliveriesOf(tx, endpointId);
      await webhookEvents.emit(tx, 'webhook.endpoint.deleted', { endpointId, actor });
      return { endpointId, deleted: true as const };
    });
  }

  /**
   * A new secret, returned once. The previous one keeps signing for `webhooks.rotationOverlapMs`
   * (deliveries carry both signatures meanwhile), so receivers can switch without losing one.
   */
  async rotateSecret(endpointId: string, actor: string): Promise<WebhookEndpoint & { secret: string }> {
    const secret = generateSecret();
    const endpoint = await this.deps.store.transact(async (tx) => {
      const rotated = await rotateSecret(tx, endpointId, secret, tx.now + this.deps.config.webhooks.rotationOverlapMs, tx.now);
      if (!rotated) throw new AfterwordError('webhook_not_found', `webhook endpoint ${endpointId} does not exist`);
      await webhookEvents.emit(tx, 'webhook.endpoint.secretRotated', {
        endpointId,
        actor,
        previousSecretExpiresAt: rotated.previousSecretExpiresAt,
      });
      return rotated;
    });
    return { ...endpoint, secret };
  }

  /** Deliveries newest first, by endpoint, topic, status and creation time. */
  async deliveries(query: DeliveryListQuery = {}): Promise<{ items: WebhookDelivery[]; nextCursor: string | null }> {
    const limit = pageSize(query.limit);
    const before = decodeCursor('deliveries', query.cursor);
    const items = await listDeliveries(this.deps.store.driver, { ...deliveryFilter(query), before, limit: limit + 1 });
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page,
      nextCursor:
        items.length > limit && last
          ? encodeCursor('deliveries', { createdAt: last.createdAt, deliveryId: last.deliveryId })
          : null,
    };
  }

  /** One delivery with its attempt log (status code, latency, response excerpt per attempt). */
  async delivery(deliveryId: string) {
    const delivery = await getDelivery(this.deps.store.driver, deliveryId);
    if (!delivery) throw new AfterwordError('webhook_delivery_not_found', `webhook delivery ${deliveryId} does not exist`);
    return { ...delivery, log: await listAttempts(this.deps.store.driver, deliveryId) };
  }

  /**
   * Redrive dead-lettered deliveries: one (`deliveryId`) or every one matching the filter. Each
   * goes back to `pending` (the delivery job's `onQueued` hook, in the job's requeue
   * transaction) with the same message id, and is attempted again at once.
   */
  async redrive(filter: RedriveFilter, actor: string): Promise<{ redriven: number; deliveryIds: string[] }> {
    if (filter.deliveryId) {
      const delivery = await getDelivery(this.deps.store.driver, filter.deliveryId);
      if (!delivery)
        throw new AfterwordError('webhook_delivery_not_found', `webhook delivery ${filter.deliveryId} does not exist`);
      if (delivery.status !== 'dead')
        throw new AfterwordError(
          'webhook_delivery_not_redrivable',
          `webhook delivery ${filter.deliveryId} is ${delivery.status}; only dead-lettered deliveries can be redriven`,
        );
      await this.redriveOne(delivery, actor);
      return { redriven: 1, deliveryIds: [delivery.deliveryId] };
    }
    const checked = { ...deliveryFilter({ ...filter, status: undefined }), status: 'dead' as const };
    const ids: string[] = [];
    // Page through every match (nothing capped): each redrive moves its delivery out of `dead`.
    let before: { createdAt: number; deliveryId: string } | undefined;
    for (;;) {
      const page = await listDeliveries(this.deps.store.driver, { ...checked, before, limit: 200 });
      for (const delivery of page) {
        await this.redriveOne(delivery, actor);
        ids.push(delivery.deliveryId);
      }
      const last = page[page.length - 1];
      if (page.length < 200 || !last) break;
      before = { createdAt: last.createdAt, deliveryId: last.deliveryId };
    }
    return { redriven: ids.length, deliveryIds: ids };
  }

  /**
   * Queue a dead delivery again: an operator retry of its job (the job's `onQueued` hook marks it
   * pending), or, when retention already pruned that finished job, a new job for the same
   * message (same `webhook-id`), in one transaction with the delivery's new state.
   */
  private async redriveOne(delivery: WebhookDelivery, actor: string): Promise<void> {
    try {
      await this.deps.engine.retry(delivery.jobId, actor);
      return;
    } catch (error) {
      if (!(error instanceof AfterwordError) || error.code !== 'job_not_found') throw error;
    }
    await this.deps.store.transact(async (tx) => {
      const jobId = this.deps.ids.uuid();
      await reassignDeliveryJob(tx, delivery.deliveryId, jobId, tx.now);
      await this.deps.engine.enqueue<DeliveryJobPayload>(tx, {
        workflow: webhookDeliveryWorkflowName,
        jobId,
        idempotencyKey: `${delivery.endpointId}:${delivery.messageId}`,
        payload: {
          deliveryId: delivery.deliveryId,
          endpointId: delivery.endpointId,
          messageId: delivery.messageId,
          topic: delivery.topic,
        },
      });
      await webhookEvents.emit(tx, 'webhook.delivery.redriven', {
        deliveryId: delivery.deliveryId,
        endpointId: delivery.endpointId,
        messageId: delivery.messageId,
        topic: delivery.topic,
        actor,
      });
    });
  }

  /** Check an endpoint's fields; on create, url and topics are required. The URL's addresses are checked too. */
  private async validate(input: EndpointInput, creating: boolean) {
    const issues: FieldIssue[] = [];
    if (!input || typeof input !== 'object') throw invalidInput([{ field: '(body)', reason: 'must be a JSON object' }]);
    const out: { url?: string; topics?: string[]; description?: string; enabled?: boolean } = {};
    if (input.url !== undefined || creating) {
      if (typeof input.url !== 'string' || input.url.length === 0) issues.push({ field: 'url', reason: 'is required (a URL)' });
      else if (input.url.length > maxUrl) issues.push({ field: 'url', reason: `must be at most ${maxUrl} characters` });
      else out.url = input.url;
    }
    if (input.topics !== undefined || creating) {
      if (!Array.isArray(input.topics) || input.topics.length === 0)
        issues.push({ field: 'topics', reason: 'must be a non-empty list of topics (or ["*"])' });
      else {
        input.topics.forEach((topic, i) => {
          if (typeof topic !== 'string' || (topic !== '*' && !isWebhookTopic(topic)))
            issues.push({ field: `topics[${i}]`, reason: `must be * or one of ${webhookTopicNames.join(', ')}` });
        });
        out.topics = [...new Set(input.topics as string[])];
      }
    }
    if (input.description !== undefined) {
      if (typeof input.description !== 'string' || input.description.length > maxDescription || input.description.includes('\0'))
        issues.push({ field: 'description', reason: `must be text of at most ${maxDescription} characters` });
      else out.description = input.description;
    }
    if (input.enabled !== undefined) {
      if (typeof input.enabled !== 'boolean') issues.push({ field: 'enabled', reason: 'must be true or false' });
      else out.enabled = input.enabled;
    }
    if (issues.length > 0) throw invalidInput(issues);
    // Refused here already (and again at every delivery: DNS can change).
    if (out.url !== undefined) await this.deps.policy.resolve(out.url, 'url');
    return out;
  }
}
