/**
 * The e2e tests' view of the one test harness (test/support/harness.ts): the service with the
 * test tokens configured, and the tokens themselves.
 */
import type { ConfigInput } from '../../src/config.js';
import type { BuildServerOptions } from '../../src/server/index.js';
import { type Adapter, startService, type TestService } from '../support/harness.js';

export { waitFor } from '../support/harness.js';

export const tokens = {
  admin: 'admin-token-0123456789abcdef',
  gm: 'gm-one-token-0123456789abcdef',
  gm2: 'gm-two-token-0123456789abcdef',
  viewer: 'viewer-token-0123456789abcdef',
  moderator: 'moderator-token-0123456789abcdef',
} as const;

export const tokenConfig = [
  { token: tokens.admin, role: 'admin' as const, name: 'root' },
  { token: tokens.gm, role: 'gm' as const, name: 'gm-one' },
  { token: tokens.gm2, role: 'gm' as const, name: 'gm-two' },
  { token: tokens.viewer, role: 'viewer' as const, name: 'watcher' },
  { token: tokens.moderator, role: 'moderator' as const, name: 'mo' },
];

export const auth = (who: keyof typeof tokens) => ({ authorization: `Bearer ${tokens[who]}` });

export type Harness = TestService;

/** The real application (SQLite unless `adapter` says otherwise) and its server with the test tokens (not listening: use inject). */
export function startHarness(
  overrides: ConfigInput = {},
  options: { workers?: number; server?: BuildServerOptions; adapter?: Adapter } = {},
): Promise<Harness> {
  return startService({ ...overrides, http: { tokens: tokenConfig, ...(overrides.http ?? {}) } }, options);
}

export const sampleTurns = (n: number, prefix = 't') =>
  Array.from({ length: n }, (_, i) => ({
    turnId: `${prefix}${i + 1}`,
    speaker: i % 2 === 0 ? 'gm' : 'player',
    text:
      i % 2 === 0
        ? `The lantern flickers over the harbour, scene ${i}.`
        : `I step onto the pier and call out to the ferryman ${i}.`,
    sceneId: `s${Math.floor(i / 4) + 1}`,
    metadata: { tension: i % 3 === 0 ? 'rising' : 'steady' },
  }));
