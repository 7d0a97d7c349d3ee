import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { EndpointSecrets } from './webhook-endpoint-store.js';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, the `standardwebhooks` package):
 * `webhook-signature` is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`; during a secret
 * rotation's overlap both the new and the previous secret sign, space-separated, so a receiver
 * holding either verifies.
 */

/** A new secret in the format the libraries read: `whsec_` and 32 random bytes in base64. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three headers for `body` sent as message `messageId` at `now` (epoch ms). */
export function signMessage(secrets: EndpointSecrets, messageId: string, now: number, body: string): SignedHeaders {
  const at = new Date(now);
  const keys = [secrets.secret];
  if (secrets.previousSecret && (secrets.previousSecretExpiresAt ?? 0) > now) keys.push(secrets.previousSecret);
  const signature = keys.map((key) => new Webhook(key).sign(messageId, at, body)).join(' ');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(now / 1000)),
    'webhook-signature': signature,
  };
}
