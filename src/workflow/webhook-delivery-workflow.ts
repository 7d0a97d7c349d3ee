import type { AfterwordConfig } from '../config.js';
import type { AddressPolicy } from '../delivery/address-policy.js';
import { deliveryAttempts } from '../delivery/retry-schedule.js';
import {
  type DeliveryAttempt,
  deliveryPayload,
  getDelivery,
  recordAttempt,
  setDeliveryState,
} from '../delivery/webhook-delivery-store.js';
import {
  disableFailingEndpoint,
  endpointSecrets,
  getEndpoint,
  markEndpointFailing,
  markEndpointHealthy,
} from '../delivery/webhook-endpoint-store.js';
import { type SendResult, sendWebhook } from '../delivery/webhook-sender.js';
import { signMessage } from '../delivery/webhook-signing.js';
import { webhookAlerts, webhookEvents } from '../delivery/webhook-topics.js';
import { defineSteps } from '../engine/steps.js';
import type { JobError, WorkflowDefinition } from '../engine/types.js';
import { AfterwordError } from '../errors.js';
import type { Tx } from '../telemetry/outbox.js';

export const webhookDeliveryWorkflowName = 'webhooks.delivery';

export interface DeliveryJobPayload {
  deliveryId: string;
  endpointId: string;
  messageId: string;
  topic: string;
}

/** What an attempt that did not deliver says about itself (kept in the job error's details). */
interface FailedAttempt {
  startedAt: number;
  outcome: DeliveryAttempt['outcome'];
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string;
}

function attemptFailed(attempt: FailedAttempt, retryable: boolean): AfterwordError {
  return new AfterwordError('webhook_delivery_failed', attempt.error, { retryable, details: { attempt } });
}

function failedAttemptOf(error: JobError, startedAt: number): FailedAttempt {
  const attempt = error.details?.attempt as FailedAttempt | undefined;
  return (
    attempt ?? {
      startedAt,
      outcome: 'network_error',
      statusCode: null,
      latencyMs: 0,
      responseExcerpt: null,
      error: error.message,
    }
  );
}

export interface WebhookDeliveryOptions {
  config: AfterwordConfig;
  policy: AddressPolicy;
}

/**
 * One webhook delivery as a durable job: sign the stored message and POST it. A 2xx commits the
 * attempt and `delivered` with the job's completion; anything else fails the attempt, and the
 * engine retries with the workflow's back-off (webhooks.retry: at least 24 h) until the attempts
 * run out and the delivery is dead-lettered (`onFailed`). A worker killed mid-request leaves the
 * job leased; another worker takes it when the lease expires and sends the same message with
 * the same `webhook-id` again (at least once). The endpoint's address is checked again at each
 * attempt and the connection pinned to the checked address.
 */
export function webhookDeliveryWorkflow(options: WebhookDeliveryOptions): WorkflowDefinition<DeliveryJobPayload> {
  const { config, policy } = options;
  const settings = config.webhooks;

  const steps = defineSteps<DeliveryJobPayload>().step('deliver', {
    async run({ job, store, now, signal }) {
      const db = store.driver;
      const { deliveryId, endpointId, messageId } = job.payload;
      const [delivery, endpoint, secrets, message] = await Promise.all([
        getDelivery(db, deliveryId),
        getEndpoint(db, endpointId),
        endpointSecrets(db, endpointId),
        deliveryPayload(db, deliveryId),
      ]);
      // The endpoint was deleted (its deliveries with it), or this message went out already.
      if (!delivery || !endpoint || !secrets || !message) return { sent: false as const, reason: 'delivery_removed' };
      if (delivery.status === 'delivered') return { sent: false as const, reason: 'already_delivered' };
      if (!endpoint.enabled) {
        throw attemptFailed(
          {
            startedAt: now,
            outcome: 'endpoint_disabled',
            statusCode: null,
            latencyMs: 0,
            responseExcerpt: null,
            error: `endpoint ${endpointId} is disabled (${endpoint.disabledReason ?? 'operator'})`,
          },
          false,
        );
      }
      let target: Awaited<ReturnType<AddressPolicy['resolve']>>;
      try {
        target = await policy.resolve(endpoint.url);
      } catch (error) {
        const reason = (error as Error).message;
        throw attemptFailed(
          { startedAt: now, outcome: 'address_refused', statusCode: null, latencyMs: 0, responseExcerpt: null, error: reason },
          true,
        );
      }
      const body = JSON.stringify(message);
      const result: SendResult = await sendWebhook({
        target,
        body,
        headers: { ...signMessage(secrets, messageId, now, body) },
        timeoutMs: settings.timeoutMs,
        maxResponseBytes: settings.maxResponseBytes,
        excerptBytes: settings.responseExcerptBytes,
        signal,
      });
      if (result.outcome !== 'delivered') {
        throw attemptFailed(
          {
            startedAt: now,
            outcome: result.outcome,
            statusCode: result.statusCode,
            latencyMs: result.latencyMs,
            responseExcerpt: result.responseExcerpt,
            error: result.error ?? `HTTP ${result.statusCode}`,
          },
          true,
        );
      }
      return {
        sent: true as const,
        startedAt: now,
        statusCode: result.statusCode ?? 200,
        latencyMs: result.latencyMs,
        responseExcerpt: result.responseExcerpt,
      };
    },
    async commit(tx, output, { job, attempt }) {
      if (!output.sent) return { delivered: false, reason: output.reason };
      const { deliveryId, endpointId, topic, messageId } = job.payload;
      await recordAttempt(tx, {
        deliveryId,
        attempt,
        startedAt: output.startedAt,
        statusCode: output.statusCode,
        latencyMs: output.latencyMs,
        outcome: 'delivered',
        error: null,
        responseExcerpt: output.responseExcerpt,
      });
      await setDeliveryState(tx, deliveryId, { status: 'delivered', attempts: attempt }, tx.now);
      await markEndpointHealthy(tx, endpointId);
      await webhookEvents.emit(tx, 'webhook.delivery.succeeded', {
        deliveryId,
        endpointId,
        messageId,
        topic,
        attempt,
        statusCode: output.statusCode,
        latencyMs: output.latencyMs,
      });
      return { delivered: true, attempt, statusCode: output.statusCode, latencyMs: output.latencyMs };
    },
  });

  /** A failed attempt: logged; the delivery dead-lettered when final; the endpoint disabled when failing too long. */
  async function onFailed(
    tx: Tx,
    job: { payload: DeliveryJobPayload; attempts: number },
    error: JobError,
    final: boolean,
    retryAt: number | null,
  ) {
    const { deliveryId, endpointId, topic, messageId } = job.payload;
    const delivery = await getDelivery(tx, deliveryId);
    if (!delivery) return;
    const attempt = failedAttemptOf(error, tx.now);
    await recordAttempt(tx, {
      deliveryId,
      attempt: job.attempts,
      startedAt: attempt.startedAt,
      statusCode: attempt.statusCode,
      latencyMs: attempt.latencyMs,
      outcome: attempt.outcome,
      error: attempt.error,
      responseExcerpt: attempt.responseExcerpt,
    });
    await setDeliveryState(
      tx,
      deliveryId,
      { status: final ? 'dead' : 'pending', attempts: job.attempts, lastError: attempt.error, nextAttemptAt: retryAt },
      tx.now,
    );
    const facts = {
      deliveryId,
      endpointId,
      messageId,
      topic,
      attempt: job.attempts,
      outcome: attempt.outcome,
      statusCode: attempt.statusCode,
    };
    await webhookEvents.emit(tx, final ? 'webhook.delivery.deadLettered' : 'webhook.delivery.failed', { ...facts, retryAt });
    if (attempt.outcome === 'endpoint_disabled') return;
    const endpoint = await markEndpointFailing(tx, endpointId, tx.now);
    if (!endpoint?.enabled || endpoint.failingSince === null) return;
    if (tx.now - endpoint.failingSince < settings.disableAfterMs) return;
    if (!(await disableFailingEndpoint(tx, endpointId, tx.now))) return;
    const failingForMs = tx.now - endpoint.failingSince;
    await webhookEvents.emit(tx, 'webhook.endpoint.disabled', { endpointId, failingSince: endpoint.failingSince, failingForMs });
    await webhookAlerts.raise(tx, 'webhook.endpoint_disabled', {
      data: { endpointId, url: endpoint.url, failingSince: endpoint.failingSince, failingForMs, lastError: attempt.error },
    });
  }

  return {
    name: webhookDeliveryWorkflowName,
    maxAttempts: deliveryAttempts(settings.retry),
    backoff: { baseMs: settings.retry.baseDelayMs, maxMs: settings.retry.maxDelayMs },
    steps: steps.steps,
    result: steps.result((outputs) => ({ ...outputs.deliver })),
    hooks: {
      onFailed,
      // A redrive (operator retry of the dead job): the delivery is pending again, same message id.
      async onQueued(tx, job) {
        const delivery = await getDelivery(tx, job.payload.deliveryId);
        if (delivery?.status !== 'dead') return;
        await setDeliveryState(tx, delivery.deliveryId, { status: 'pending', lastError: delivery.lastError }, tx.now);
        await webhookEvents.emit(tx, 'webhook.delivery.redriven', {
          deliveryId: delivery.deliveryId,
          endpointId: delivery.endpointId,
          messageId: delivery.messageId,
          topic: delivery.topic,
        });
      },
      async onCancelled(tx, job) {
        await setDeliveryState(tx, job.payload.deliveryId, { status: 'dead', lastError: 'cancelled by an operator' }, tx.now);
      },
    },
  };
}
