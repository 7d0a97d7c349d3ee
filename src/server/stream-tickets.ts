import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from './auth.js';

/**
 * Short-lived, single-use tickets for opening the event stream. EventSource cannot send an
 * Authorization header, and a long-lived token in a URL ends up in logs, proxies and browser
 * history; so a client posts its token once (`POST /v1/events/tickets`, header auth) and opens
 * `GET /v1/events?ticket=...` with what it gets back.
 *
 * A ticket is `<expiry>.<nonce>.<mac>`: the MAC is an HMAC-SHA256 of expiry and nonce keyed by the
 * SHA-256 digest of the token it was issued to, so every process that knows the same tokens can
 * redeem it (no shared table), it names no principal, and it dies with its token. Within one
 * process a ticket is redeemed at most once (its nonce is remembered until it expires); another
 * process behind the same balancer could accept it once more within the TTL, which is why the
 * TTL is short (`limits.streamTicketTtlMs`, default 30 s).
 */
export interface TicketKey {
  /** SHA-256 digest of the token: the HMAC key. */
  digest: Buffer;
  principal: Principal;
}

export interface StreamTicketOptions {
  ttlMs: number;
  now?: () => number;
  /** Random bytes for nonces (tests may inject). */
  random?: (size: number) => Buffer;
}

export class StreamTickets {
  private readonly used = new Map<string, number>();
  private readonly now: () => number;
  private readonly random: (size: number) => Buffer;

  constructor(
    private readonly keys: () => readonly TicketKey[],
    private readonly options: StreamTicketOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? randomBytes;
  }

  /** A ticket for the holder of `digest`'s token, valid for the TTL. */
  issue(digest: Buffer): { ticket: string; expiresAt: number } {
    const expiresAt = this.now() + this.options.ttlMs;
    const body = `${expiresAt.toString(36)}.${this.random(18).toString('base64url')}`;
    return { ticket: `${body}.${mac(digest, body)}`, expiresAt };
  }

  /** The principal a ticket was issued to, or null when it is forged, expired or already used. */
  redeem(ticket: string): Principal | null {
    const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
    if (!match) return null;
    const [, expiry, nonce, given] = match as unknown as [string, string, string, string];
    const now = this.now();
    const expiresAt = Number.parseInt(expiry, 36);
    if (!(expiresAt > now) || expiresAt > now + this.options.ttlMs) return null;
    this.prune(now);
    if (this.used.has(nonce)) return null;
    const body = `${expiry}.${nonce}`;
    const expected = Buffer.from(given, 'base64url');
    let found: Principal | null = null;
    // Against every key, like TokenRegistry.identify: the time taken says nothing about which.
    for (const key of this.keys()) {
      const actual = Buffer.from(mac(key.digest, body), 'base64url');
      if (actual.length === expected.length && timingSafeEqual(actual, expected) && found === null) found = key.principal;
    }
    if (found) this.used.set(nonce, expiresAt);
    return found;
  }

  private prune(now: number): void {
    for (const [nonce, expiresAt] of this.used) if (expiresAt <= now) this.used.delete(nonce);
  }
}

function mac(digest: Buffer, body: string): string {
  return createHmac('sha256', digest).update(body).digest('base64url');
}
