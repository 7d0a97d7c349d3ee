import { canonTopics } from './canon/canon-topics.js';
import { webhookAlerts, webhookEvents } from './delivery/webhook-topics.js';
import { engineTopics } from './engine/engine-topics.js';
import { sessionTopics } from './sessions/session-topics.js';
import { telemetryTopics } from './telemetry/telemetry-topics.js';
import { temporalAlerts, temporalTopics } from './temporal/temporal-topics.js';
import { closureAlerts, closureTopics } from './workflow/closure-topics.js';
import { publishingAlerts, publishingTopics } from './workflow/publishing-topics.js';

/**
 * Every topic Afterword emits, assembled from the modules that declare them (each module owns
 * its topics; nothing below this file knows the whole list). The API validates `?topic=`
 * filters against it; tests and clients use `Topic` for exact names.
 */
export const topics = [
  ...closureTopics.names,
  ...sessionTopics.names,
  ...canonTopics.names,
  ...publishingTopics.names,
  ...engineTopics.names,
  ...telemetryTopics.names,
  ...webhookEvents.names,
  ...temporalTopics.names,
] as const;

export type Topic = (typeof topics)[number];

const known = new Set<string>(topics);

export function isTopic(value: string): value is Topic {
  return known.has(value);
}

/** Every admin alert reason with its severity. */
export const alertReasons = {
  ...closureAlerts.severities,
  ...publishingAlerts.severities,
  ...webhookAlerts.severities,
  ...temporalAlerts.severities,
} as const;

export type AlertReason = keyof typeof alertReasons;
