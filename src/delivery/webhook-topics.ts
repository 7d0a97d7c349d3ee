import { declareAlerts, declareTopics } from '../telemetry/declare.js';

/**
 * The topics a webhook endpoint subscribes to (spec section 11), the public names receivers see
 * in a message's `type`. The dispatcher (workflow/webhook-dispatcher.ts) maps Afterword's
 * internal events onto them; `*` subscribes to all.
 */
export const webhookTopicNames = [
  'session.closed',
  'offline.sessionClosure.completed',
  'offline.sessionClosure.failed',
  'delta.decided',
  'publish.batch.published',
  'overlay.loreLink',
  'publish.digest.published',
  'admin.alert',
] as const;

export type WebhookTopic = (typeof webhookTopicNames)[number];

const known = new Set<string>(webhookTopicNames);

export function isWebhookTopic(value: string): value is WebhookTopic {
  return known.has(value);
}

/** Whether an endpoint subscribed to `subscribed` receives `topic`. */
export function subscribes(subscribed: readonly string[], topic: string): boolean {
  return subscribed.includes('*') || subscribed.includes(topic);
}

/** What the webhooks module announces: delivery outcomes (for metrics, the dashboard and the log). */
export const webhookEvents = declareTopics([
  'webhook.endpoint.created',
  'webhook.endpoint.updated',
  'webhook.endpoint.deleted',
  'webhook.endpoint.secretRotated',
  'webhook.endpoint.disabled',
  'webhook.delivery.succeeded',
  'webhook.delivery.failed',
  'webhook.delivery.deadLettered',
  'webhook.delivery.redriven',
]);

/** An endpoint failing for `webhooks.disableAfterMs` is disabled, and this alert says so. */
export const webhookAlerts = declareAlerts({ 'webhook.endpoint_disabled': 'high' });
