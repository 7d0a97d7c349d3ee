import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AfterwordError } from '../errors.js';
import { everySession, ownedBy, type SessionScope } from '../sessions/session-types.js';

export type Role = 'admin' | 'moderator' | 'gm' | 'viewer';

/**
 * Who may call a route:
 * - `public`: anyone (probes, docs, dashboard assets, lore search);
 * - `read`: admin, moderator and viewer (operator reads that are not scoped to one session);
 * - `session-read`: admin, moderator, viewer, and a gm on the sessions it owns;
 * - `session-write`: admin, and a gm on the sessions it owns;
 * - `moderate`: admin and moderator (moderation decisions, acknowledging alerts);
 * - `admin`: admin only (retries, re-runs, world import, schedule overrides: administration).
 * A route that declares nothing is `admin`: forgetting the declaration fails closed.
 */
export type Access = 'public' | 'read' | 'session-read' | 'session-write' | 'moderate' | 'admin';

export interface Principal {
  name: string;
  role: Role;
}

export interface TokenEntry {
  token: string;
  role: Role;
  name: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** The route also accepts a stream ticket as `?ticket=` (GET /v1/events only). */
    acceptsTicket?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * Configured tokens, kept as SHA-256 digests. Comparing fixed-length digests with
 * timingSafeEqual, and always against every entry, keeps the comparison time independent of
 * how much of a guessed token was right.
 */
export class TokenRegistry {
  private readonly entries: Array<{ digest: Buffer; principal: Principal }>;

  constructor(tokens: readonly TokenEntry[]) {
    // The configuration schema already refuses these; tokens handed in directly are held to the same rule.
    const names = new Set<string>();
    for (const t of tokens) {
      if (names.has(t.name)) {
        throw new AfterwordError('invalid_config', `duplicate token name "${t.name}": token names must be unique`);
      }
      names.add(t.name);
    }
    this.entries = tokens.map((t) => ({ digest: sha256(t.token), principal: { name: t.name, role: t.role } }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** Digest and principal of every token: the keys stream tickets are signed with. */
  keys(): ReadonlyArray<{ digest: Buffer; principal: Principal }> {
    return this.entries;
  }

  identify(token: string): Principal | null {
    const digest = sha256(token);
    let found: Principal | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest) && found === null) found = entry.principal;
    }
    return found;
  }
}

/**
 * The bearer token from `Authorization: Bearer ...`. Never from the URL: URLs end up in logs,
 * proxies and browser history (a `?token=` is refused; EventSource uses a stream ticket).
 */
export function presentedToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1]) return match[1];
  }
  return null;
}

const allowed: Record<Exclude<Access, 'public'>, readonly Role[]> = {
  read: ['admin', 'moderator', 'viewer'],
  'session-read': ['admin', 'moderator', 'viewer', 'gm'],
  'session-write': ['admin', 'gm'],
  moderate: ['admin', 'moderator'],
  admin: ['admin'],
};

/**
 * Authenticate in each route's onRequest hooks, before body parsing, so refused calls cost little.
 * Added per route (onRoute) rather than globally so it runs AFTER the rate limiter, which is
 * registered first: a client guessing tokens is throttled like any other.
 */
/** What redeems a stream ticket (stream-tickets.ts): the principal it was issued to, or null. */
export interface TicketRedeemer {
  redeem(ticket: string): Principal | null;
}

export function registerAuth(server: FastifyInstance, tokens: TokenRegistry, tickets: TicketRedeemer): void {
  server.decorateRequest('principal', null);
  const authenticate = async (request: FastifyRequest) => {
    const access: Access = request.routeOptions.config?.access ?? 'admin';
    const query = request.query as Record<string, unknown> | undefined;
    if (query && 'token' in query) {
      throw new AfterwordError(
        'token_in_query',
        'query.token: tokens are not accepted in the URL (it would be logged); send "Authorization: Bearer <token>", or for an event stream get a ticket from POST /v1/events/tickets',
        { issues: [{ field: 'query.token', reason: 'is not accepted: send the token in the Authorization header' }] },
      );
    }
    const token = presentedToken(request);
    if (token !== null) request.principal = tokens.identify(token);
    const ticket = request.routeOptions.config?.acceptsTicket ? query?.ticket : undefined;
    if (typeof ticket === 'string' && token === null) {
      // The ticket is transport, not input: drop it before the route's query schema sees it.
      delete query?.ticket;
      request.principal = tickets.redeem(ticket);
      if (request.principal === null) {
        throw new AfterwordError(
          'unauthorized',
          'the stream ticket is unknown, expired or already used; get a new one from POST /v1/events/tickets',
        );
      }
    }
    if (access === 'public') return;
    if (token === null && request.principal === null) {
      throw new AfterwordError('unauthorized', 'this route needs a bearer token: send "Authorization: Bearer <token>"');
    }
    if (request.principal === null) throw new AfterwordError('unauthorized', 'the bearer token is not recognised');
    if (!allowed[access].includes(request.principal.role)) {
      throw new AfterwordError(
        'forbidden',
        `role ${request.principal.role} may not call ${request.method} ${request.routeOptions.url}`,
      );
    }
  };
  // Unknown routes never reach route hooks: they answer 404 whoever asks (the route table is
  // public in /openapi.json anyway).
  server.addHook('onRoute', (route) => {
    const existing = route.onRequest ? [route.onRequest].flat() : [];
    route.onRequest = [...existing, authenticate] as never;
  });
}

/** The caller's name for audit fields (`actor`, `closedBy`). */
export function actorOf(request: FastifyRequest): string {
  return request.principal ? `${request.principal.role}:${request.principal.name}` : 'anonymous';
}

/**
 * Which sessions each role works on (the ownership model of docs/api.md): operators (admin,
 * moderator, viewer) every session, within what their access allows; a gm only the sessions its token name
 * owns. The session module applies the scope, in SQL. A new role is one line here.
 */
const sessionScopes: Record<Role, (principal: Principal) => SessionScope> = {
  admin: () => everySession,
  moderator: () => everySession,
  viewer: () => everySession,
  gm: (principal) => ownedBy(principal.name),
};

/** The caller's session scope. Routes that reach here have an authenticated principal. */
export function scopeOf(request: FastifyRequest): SessionScope {
  const principal = request.principal;
  if (!principal) throw new AfterwordError('unauthorized', 'this route needs a bearer token');
  return sessionScopes[principal.role](principal);
}
