import type { IdSource } from '../clock.js';
import { getBatch } from '../canon/publishing-store.js';
import type { AfterwordConfig } from '../config.js';
import {
  advanceDispatchCursor,
  dispatchCursor,
  insertDelivery,
  lockDispatchCursor,
  type WebhookMessage,
} from '../delivery/webhook-delivery-store.js';
import { listEndpoints } from '../delivery/webhook-endpoint-store.js';
import { subscribes, type WebhookTopic } from '../delivery/webhook-topics.js';
import type { WorkflowEngine } from '../engine/workflow-engine.js';
import type { Store } from '../store/store.js';
import type { EventBus } from '../telemetry/event-bus.js';
import { eventsAfter, latestEventId } from '../telemetry/event-store.js';
import { CoalescingLoop } from '../telemetry/coalescing-loop.js';
import type { Logger } from '../telemetry/logger.js';
import type { Tx } from '../telemetry/outbox.js';
import type { StoredEvent } from '../telemetry/topics.js';
import type { DeliveryJobPayload } from './webhook-delivery-workflow.js';
import { webhookDeliveryWorkflowName } from './webhook-delivery-workflow.js';
import { withIsoTimestamps } from '../clock.js';

/** Internal topics that become webhook messages, and the public topic each becomes. */
const sources: Readonly<Record<string, WebhookTopic>> = {
  'session.closed': 'session.closed',
  'offline.sessionClosure.completed': 'offline.sessionClosure.completed',
  'offline.sessionClosure.failed': 'offline.sessionClosure.failed',
  'world.delta.decided': 'delta.decided',
  'telemetry.publish.batch.published': 'publish.batch.published',
  'telemetry.publish.digest.published': 'publish.digest.published',
  'admin.alert': 'admin.alert',
};
const sourceTopics = Object.keys(sources);

/** Receivers get instants as ISO 8601 strings, by the API's one convention (clock.ts; spec section 12). */
const isoTimes = (value: unknown): unknown => withIsoTimestamps(value);

interface OutgoingMessage {
  messageId: string;
  message: WebhookMessage;
}

/**
 * The messages one event becomes. A published batch carries its full bundles and news cards,
 * read from the batch as published, and each of its overlays goes out as its own
 * `overlay.loreLink` message. Message ids derive from the event id: the same for every endpoint
 * and for every attempt.
 */
async function messagesOf(tx: Tx, event: StoredEvent): Promise<OutgoingMessage[]> {
  const type = sources[event.topic];
  if (!type) return [];
  const timestamp = new Date(event.createdAt).toISOString();
  const messageId = `msg_${event.id}`;
  if (type !== 'publish.batch.published') {
    return [{ messageId, message: { type, timestamp, data: isoTimes(event.payload) as Record<string, unknown> } }];
  }
  const batch = await getBatch(tx, String(event.payload.batchId));
  const plan = batch?.plan;
  const published: OutgoingMessage = {
    messageId,
    message: {
      type,
      timestamp,
      data: isoTimes({ ...event.payload, bundles: plan?.bundles ?? [], cards: plan?.cards ?? [] }) as Record<string, unknown>,
    },
  };
  const overlays = (plan?.overlays ?? []).map((overlay, i) => ({
    messageId: `msg_${event.id}_overlay_${i}`,
    message: {
      type: 'overlay.loreLink',
      timestamp,
      data: isoTimes({ ...overlay, batchId: plan?.batchId, sessionId: plan?.sessionId }) as Record<string, unknown>,
    },
  }));
  return [published, ...overlays];
}

export interface WebhookDispatcherOptions {
  store: Store<Tx>;
  engine: WorkflowEngine;
  bus: EventBus;
  config: AfterwordConfig;
  ids: IdSource;
  logger: Logger;
  /** Poll interval when no event wakes it (events from other processes arrive via the relay anyway). */
  intervalMs?: number;
}

/**
 * Turns committed events into webhook deliveries, in event-id order, nothing lost on a crash:
 * one transaction locks the cursor row, reads the events after it, inserts a delivery per
 * (message, subscribed endpoint) and enqueues its durable job, and moves the cursor. All of it
 * commits together or not at all, and event ids follow commit order (telemetry/outbox.ts), so
 * reading `id > cursor` never skips an event that commits later. Several processes may run
 * dispatchers: the cursor row's lock makes them take turns.
 */
export class WebhookDispatcher {
  private readonly loop: CoalescingLoop;
  private unsubscribe: (() => void) | undefined;
  /** Deliveries enqueued by this process (tests, metrics). */
  enqueued = 0;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.loop = new CoalescingLoop({
      step: () => this.dispatchOnce(),
      intervalMs: options.intervalMs ?? 1_000,
      logger: options.logger,
      failureMessage: 'webhook dispatch failed; retrying at the next interval',
    });
  }

  start(): void {
    if (this.loop.isRunning) return;
    this.loop.start();
    this.unsubscribe = this.options.bus.subscribe({ topics: sourceTopics }, () => void this.poke());
    void this.poke();
  }

  async stop(): Promise<void> {
    if (!this.loop.isRunning) return;
    this.unsubscribe?.();
    await this.loop.stop();
  }

  /** Dispatch everything committed so far (coalescing concurrent calls). */
  poke(): Promise<void> {
    return this.loop.poke();
  }

  /** One transaction's worth; true when the batch was full (more to read). */
  async dispatchOnce(): Promise<boolean> {
    const { store, engine, ids, config } = this.options;
    const batchSize = config.webhooks.dispatchBatchSize;
    // Nothing committed since the cursor: no transaction (and no write) at all.
    if ((await latestEventId(store.driver)) <= (await dispatchCursor(store.driver))) return false;
    return store.transact(async (tx) => {
      const cursor = await lockDispatchCursor(tx, tx.now);
      // Read first: every event up to it is committed, so the cursor may move that far.
      const latest = await latestEventId(tx);
      if (latest <= cursor) return false;
      const events = await eventsAfter(tx, cursor, { topics: sourceTopics }, batchSize);
      const full = events.length === batchSize;
      const last = events[events.length - 1];
      const endpoints = events.length > 0 ? await listEndpoints(tx, { enabledOnly: true, limit: 100_000 }) : [];
      let enqueued = 0;
      if (endpoints.length > 0) {
        for (const event of events) {
          const targets = endpoints.filter((e) => event.id > e.fromEventId);
          if (targets.length === 0) continue;
          for (const { messageId, message } of await messagesOf(tx, event)) {
            for (const endpoint of targets) {
              if (!subscribes(endpoint.topics, message.type)) continue;
              const jobId = ids.uuid();
              const deliveryId = `dl_${ids.uuid().replaceAll('-', '')}`;
              const fresh = await insertDelivery(
                tx,
                {
                  deliveryId,
                  endpointId: endpoint.endpointId,
                  messageId,
                  topic: message.type,
                  eventId: event.id,
                  payload: message,
                  jobId,
                },
                tx.now,
              );
              if (!fresh) continue;
              await engine.enqueue<DeliveryJobPayload>(tx, {
                workflow: webhookDeliveryWorkflowName,
                jobId,
                idempotencyKey: `${endpoint.endpointId}:${messageId}`,
                payload: { deliveryId, endpointId: endpoint.endpointId, messageId, topic: message.type },
              });
              enqueued++;
            }
          }
        }
      }
      await advanceDispatchCursor(tx, full && last ? last.id : Math.max(latest, last?.id ?? 0), tx.now);
      tx.afterCommit(() => {
        this.enqueued += enqueued;
      });
      return full;
    });
  }
}
