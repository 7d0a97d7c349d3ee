import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { AfterwordError } from './errors.js';

/**
 * An endpoint URL whose credentials go in their own setting (an API key), never in the URL: a
 * URL is quoted in errors, fallback reasons and logs, and a password in it would go with it.
 */
const endpointUrl = z
  .string()
  .url()
  .refine((raw) => {
    const url = new URL(raw);
    return url.username === '' && url.password === '';
  }, 'must not carry a user name or password (put the key in apiKey)');

const minutes = (n: number) => n * 60_000;

/** Token names end up in audit actors (`gm:<name>`), session owners and rate-limit keys. */
export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `10.0.0.0/8`, `::1`, `127.0.0.1`: an IP address, optionally with a prefix length. */
function isAddressOrRange(value: string): boolean {
  const [address = '', prefix, extra] = value.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

const tokenSchema = z.object({
  token: z.string().min(16, 'tokens must be at least 16 characters'),
  role: z.enum(['admin', 'moderator', 'gm', 'viewer']),
  // Explicit, never defaulted: a name is who owns a gm's sessions and whose rate-limit bucket a
  // call counts against, so two tokens must never share one by accident.
  name: z
    .string({ error: 'every token needs a name (the owner of its sessions, its rate-limit bucket)' })
    .regex(TOKEN_NAME_PATTERN, 'must be 1-64 characters: letters, digits, and . _ - (starting with a letter or digit)'),
});

/** Token names and tokens are unique: a duplicate fails the start naming both entries. */
const tokenListSchema = z.array(tokenSchema).superRefine((tokens, ctx) => {
  const names = new Map<string, number>();
  const secrets = new Map<string, number>();
  tokens.forEach((entry, i) => {
    const sameName = names.get(entry.name);
    if (sameName !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'name'],
        message: `duplicate token name "${entry.name}" (also entry ${sameName}): token names must be unique`,
      });
    } else names.set(entry.name, i);
    const sameToken = secrets.get(entry.token);
    if (sameToken !== undefined) {
      ctx.addIssue({ code: 'custom', path: [i, 'token'], message: `the same token as entry ${sameToken}` });
    } else secrets.set(entry.token, i);
  });
});

/**
 * Every setting in one schema. Sources, lowest precedence first: defaults, the JSON file named by
 * AFTERWORD_CONFIG, environment variables, command-line flags. Validated once, then frozen.
 */
export const configSchema = z.object({
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: z.string().url().optional(),
  pgSchema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
    .default('afterword'),
  pgPoolSize: z.number().int().min(1).max(200).default(10),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  worldFile: z.string().optional(),
  workers: z
    .object({
      /** Jobs one process runs at once; 0 means this process runs no workflows. */
      concurrency: z.number().int().min(0).max(1024).default(4),
    })
    .prefault({}),
  engine: z
    .object({
      leaseMs: z.number().int().min(1000).default(30_000),
      heartbeatMs: z.number().int().min(100).default(5_000),
      pollIntervalMs: z.number().int().min(10).default(1_000),
      claimBatchSize: z.number().int().min(1).max(1000).default(32),
      maxAttempts: z.number().int().min(1).max(100).default(5),
      backoffBaseMs: z.number().int().min(0).default(1_000),
      backoffMaxMs: z.number().int().min(0).default(minutes(5)),
      drainTimeoutMs: z.number().int().min(0).default(10_000),
      watchdogIntervalMs: z.number().int().min(50).default(15_000),
    })
    .prefault({}),
  /**
   * Which engine runs the workflows: the built-in durable engine, or Temporal (`temporal` below;
   * `afterword serve --engine temporal` and `afterword temporal-worker`).
   */
  engineKind: z.enum(['builtin', 'temporal']).default('builtin'),
  /** The Temporal engine (docs/operations.md, "Running with Temporal"). Read only when `engineKind` is `temporal`. */
  temporal: z
    .object({
      address: z.string().min(1).default('localhost:7233'),
      namespace: z.string().min(1).default('default'),
      taskQueue: z.string().min(1).default('afterword-closure'),
      /** Temporal Cloud API key (sent as a bearer token; implies TLS). */
      apiKey: z.string().min(1).optional(),
      /** mTLS client certificate and key (PEM files); `caPath` for a private CA. */
      tls: z.object({ certPath: z.string().min(1), keyPath: z.string().min(1), caPath: z.string().min(1).optional() }).optional(),
      /**
       * A due-later job (a publishing batch, a digest) waits on a workflow timer of at most this
       * long, then reads its due time from the store again (whose clock is the authority).
       */
      dueRecheckMs: z.number().int().min(10).default(minutes(5)),
      /** The Temporal Web UI's base URL: the dashboard's job page links to the job's workflow there. */
      webUiUrl: z.string().url().optional(),
      /** Every activity (one per step and transition): timeouts and Temporal's retry policy for what fails around a step. */
      activity: z
        .object({
          startToCloseMs: z.number().int().min(1000).default(minutes(10)),
          heartbeatTimeoutMs: z.number().int().min(500).default(30_000),
          retry: z
            .object({
              initialIntervalMs: z.number().int().min(1).default(1_000),
              backoffCoefficient: z.number().min(1).default(2),
              maximumIntervalMs: z.number().int().min(1).default(60_000),
              /** 0: unlimited (the default: a worker that died is always replaced). */
              maximumAttempts: z.number().int().min(0).default(0),
            })
            .prefault({}),
        })
        .prefault({}),
      /** The relay that starts workflows from the temporal_outbox. */
      relay: z
        .object({
          pollIntervalMs: z.number().int().min(10).default(1_000),
          backoffBaseMs: z.number().int().min(1).default(500),
          backoffMaxMs: z.number().int().min(1).default(30_000),
          /** Raise `offline.enqueue_failed` when a start has waited this long (Temporal unreachable). */
          alertAfterMs: z.number().int().min(0).default(60_000),
        })
        .prefault({}),
    })
    .prefault({}),
  closure: z
    .object({
      slaMs: z.number().int().min(1).default(minutes(10)),
      inactivityMs: z
        .number()
        .int()
        .min(60_000)
        .default(minutes(60 * 6)),
      historyRetention: z.number().int().min(1).max(100_000).default(500),
    })
    .prefault({}),
  /**
   * How long history is kept (docs/operations.md, "Retention"). Open alerts and unfinished jobs
   * are never pruned, whatever their age. The workers prune every `pruneIntervalMs` (0: never;
   * then run `afterword prune`), `batchSize` rows per transaction so a live store is never locked long.
   */
  retention: z
    .object({
      eventsMs: z
        .number()
        .int()
        .min(60_000)
        .default(minutes(60 * 24 * 7)),
      finishedJobsMs: z
        .number()
        .int()
        .min(60_000)
        .default(minutes(60 * 24 * 30)),
      closedAlertsMs: z
        .number()
        .int()
        .min(60_000)
        .default(minutes(60 * 24 * 30)),
      pruneIntervalMs: z.number().int().min(0).default(minutes(10)),
      batchSize: z.number().int().min(1).max(100_000).default(1_000),
    })
    .prefault({}),
  /**
   * The closure's pluggable stages. `summariser`: `deterministic` (default) or `llm` (any
   * OpenAI-compatible chat-completions endpoint: `llm.url`, `llm.model`, `llm.apiKey`); a call
   * past `summariserTimeoutMs` or an error falls back to the deterministic summariser, recorded
   * on the summary and as an event. `tagger`: new-name detection, `spans` (default, no part-of-
   * speech pass), `wink` (wink-nlp tags every candidate sentence) or `http`: an external NER
   * service (`ner.url`, e.g. spaCy behind a small HTTP wrapper) names the entities of every turn
   * that carries no annotations of its own, asynchronously, within `ner.timeoutMs`; a timeout or
   * an error falls back to `spans`, recorded on the extraction and as an event.
   */
  pipeline: z
    .object({
      summariser: z.enum(['deterministic', 'llm']).default('deterministic'),
      summariserTimeoutMs: z.number().int().min(1).default(60_000),
      /** How often a running summariser call heartbeats the job's lease. */
      heartbeatMs: z.number().int().min(1).default(5_000),
      tagger: z.enum(['spans', 'wink', 'http']).default('spans'),
      ner: z
        .object({
          url: endpointUrl.optional(),
          apiKey: z.string().min(1).optional(),
          timeoutMs: z.number().int().min(1).default(30_000),
          /** Turns per request: a long session is several calls, each well under a request-size limit. */
          batchTurns: z.number().int().min(1).max(10_000).default(200),
        })
        .prefault({}),
      llm: z
        .object({
          url: endpointUrl.optional(),
          model: z.string().min(1).optional(),
          apiKey: z.string().min(1).optional(),
          maxInputChars: z.number().int().min(100).default(12_000),
        })
        .prefault({}),
    })
    .superRefine((p, ctx) => {
      if (p.tagger === 'http' && !p.ner.url)
        ctx.addIssue({ code: 'custom', path: ['ner', 'url'], message: "required when tagger is 'http'" });
      if (p.summariser !== 'llm') return;
      if (!p.llm.url) ctx.addIssue({ code: 'custom', path: ['llm', 'url'], message: "required when summariser is 'llm'" });
      if (!p.llm.model) ctx.addIssue({ code: 'custom', path: ['llm', 'model'], message: "required when summariser is 'llm'" });
    })
    .prefault({}),
  limits: z
    .object({
      maxTurnsPerSession: z.number().int().min(1).default(20_000),
      maxTurnTextChars: z.number().int().min(1).default(20_000),
      maxTurnsPerRequest: z.number().int().min(1).default(1_000),
      maxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .default(8 * 1024 * 1024),
      rateLimitPerMinute: z.number().int().min(1).default(6_000),
      /** Objects and arrays a JSON body may nest (the body itself is level 1). */
      maxJsonDepth: z.number().int().min(2).max(1000).default(32),
      /** How long a stream ticket (POST /v1/events/tickets) may be redeemed; each is used once. */
      streamTicketTtlMs: z.number().int().min(1000).max(minutes(10)).default(30_000),
      /** Concurrent event streams (GET /v1/events) the process serves; more answer 503. */
      maxStreams: z.number().int().min(1).default(200),
      /** Unsent bytes one event stream may hold before its client is disconnected (it resumes with Last-Event-ID). */
      maxStreamBufferBytes: z
        .number()
        .int()
        .min(64 * 1024)
        .default(4 * 1024 * 1024),
      /** Concurrent event streams per token; more answer 429. */
      maxStreamsPerToken: z.number().int().min(1).default(10),
      /** Longest a request (headers and body) may take to arrive; 0 turns the limit off. */
      requestTimeoutMs: z.number().int().min(0).default(30_000),
      /** Change-feed entries one session may hold; more answer 413 change_feed_too_large. */
      maxChangesPerSession: z.number().int().min(1).default(100_000),
    })
    .prefault({}),
  /** Publishing cadence (spec section 7); the names match the domain's CadenceConfig. */
  cadence: z
    .object({
      moderationOpensAfterMs: z.number().int().min(0).default(minutes(15)),
      moderationWindowMs: z.number().int().min(0).default(minutes(45)),
      escalationOffsetsMs: z.array(z.number().int().min(0)).default([minutes(30), minutes(40)]),
      loreBatchAfterMs: z.number().int().min(0).default(minutes(60)),
      digestHour: z.number().int().min(0).max(23).default(2),
      digestMinute: z.number().int().min(0).max(59).default(0),
      timeZone: z.string().default('UTC'),
      maxOverrideMs: z
        .number()
        .int()
        .min(0)
        .default(minutes(12 * 60)),
    })
    .prefault({}),
  /** Webhook delivery (docs/operations.md "Webhooks"). */
  webhooks: z
    .object({
      /**
       * Retries: exponential back-off from `baseDelayMs` doubling up to `maxDelayMs` (with jitter),
       * for at least `retryForMs` after the first attempt; then the delivery is dead-lettered.
       */
      retry: z
        .object({
          baseDelayMs: z.number().int().min(1).default(5_000),
          maxDelayMs: z.number().int().min(1).default(minutes(120)),
          retryForMs: z
            .number()
            .int()
            .min(0)
            .default(minutes(24 * 60)),
        })
        .prefault({}),
      /** One attempt's deadline, from connect to the last byte read. */
      timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      /** Response bytes read at most (the rest is discarded, the connection closed). */
      maxResponseBytes: z
        .number()
        .int()
        .min(0)
        .default(64 * 1024),
      /** Response bytes kept in the delivery log per attempt. */
      responseExcerptBytes: z.number().int().min(0).max(65_536).default(1_024),
      /** An endpoint failing (no success) for this long is disabled, with an admin alert. */
      disableAfterMs: z
        .number()
        .int()
        .min(0)
        .default(minutes(5 * 24 * 60)),
      /** After a secret rotation the previous secret signs too (both signatures sent) for this long. */
      rotationOverlapMs: z
        .number()
        .int()
        .min(0)
        .default(minutes(24 * 60)),
      /**
       * Addresses or CIDR ranges on private, loopback or link-local networks that endpoints may
       * use (e.g. `127.0.0.1`, `10.0.0.0/8`). Everything else private is refused.
       */
      allowPrivateNetworks: z.array(z.string().refine(isAddressOrRange, 'must be an IP address or a CIDR range')).default([]),
      /** Events the dispatcher turns into deliveries per transaction. */
      dispatchBatchSize: z.number().int().min(1).max(5_000).default(200),
    })
    .prefault({}),
  /**
   * Moderation policy (docs/operations.md "Moderation policy"). The defaults keep lore flowing
   * (a delta with no reason to review publishes on its own; at the window's close what is decided
   * publishes and the rest is carried on) and never publish an unreviewed capability or hedged
   * claim: those reasons always need review, whatever the settings.
   */
  moderation: z
    .object({
      autoApprove: z
        .object({
          /** Below this confidence a delta needs review (reason `low_confidence`). */
          minConfidence: z.number().min(0).max(1).default(0.6),
          /** Whether a delta conflicting with canon or other sessions' proposals publishes unreviewed. */
          conflicts: z.boolean().default(false),
          /** Whether a proposed new entity publishes unreviewed. */
          newEntities: z.boolean().default(true),
        })
        .prefault({}),
      /** At each of `cadence.escalationOffsetsMs` with review still pending: raise the alert's severity and re-send it. */
      escalation: z
        .object({
          raiseSeverity: z.boolean().default(true),
          resend: z.boolean().default(true),
        })
        .prefault({}),
      /**
       * When the moderation window closes with deltas undecided: `carry` publishes what is decided
       * at the batch time and carries the undecided deltas to a follow-up batch (alerted until
       * decided); `hold` keeps the whole batch at its gate and raises a critical alert.
       */
      onWindowClose: z.enum(['carry', 'hold']).default('carry'),
    })
    .prefault({}),
  /** OpenTelemetry traces (telemetry/tracing.ts): off unless an OTLP endpoint is set. */
  tracing: z
    .object({
      /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); spans go to `<it>/v1/traces`. Unset: no tracing. */
      otlpEndpoint: z.string().url().optional(),
      /** The `service.name` resource attribute (OTEL_SERVICE_NAME). */
      serviceName: z.string().min(1).default('afterword'),
    })
    .prefault({}),
  http: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(4400),
      tokens: tokenListSchema.default([]),
    })
    .prefault({}),
});

export type AfterwordConfig = Readonly<z.infer<typeof configSchema>>;
export type ConfigInput = z.input<typeof configSchema>;

type Env = Record<string, string | undefined>;

/** Read a variable; an empty or blank value counts as missing, never as an empty string. */
function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function envInt(env: Env, name: string): number | undefined {
  const raw = envValue(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) {
    throw new AfterwordError('invalid_config', `${name}: must be an integer, got "${raw}"`);
  }
  return n;
}

/**
 * AFTERWORD_TOKENS: comma-separated entries `name=role:token`. The name is what precedes the
 * first `=`, provided that comes before the first `:`; the role is up to the first `:`; the
 * token is everything after it (colons included). The older `role:token` form is accepted only
 * while it names its token unambiguously: it is named after its role, so at most one such entry
 * per role (a second fails the start, asking for names). Names never depend on the list's order.
 */
export function parseEnvTokens(raw: string): Array<{ name: string; role: string; token: string }> {
  const entries = raw.split(',').map((entry, i) => {
    const at = `AFTERWORD_TOKENS[${i}]`;
    const trimmed = entry.trim();
    const colon = trimmed.indexOf(':');
    const equals = trimmed.indexOf('=');
    const named = equals > 0 && (colon === -1 || equals < colon);
    const rest = named ? trimmed.slice(equals + 1) : trimmed;
    const split = rest.indexOf(':');
    if (split <= 0) {
      throw new AfterwordError('invalid_config', `${at}: expected name=role:token (e.g. gm-alice=gm:TOKEN)`, {
        issues: [{ field: at, reason: 'expected name=role:token' }],
      });
    }
    const role = rest.slice(0, split).trim();
    return { name: named ? trimmed.slice(0, equals).trim() : role, role, token: rest.slice(split + 1).trim(), named, at };
  });
  const byName = new Map<string, (typeof entries)[number]>();
  for (const entry of entries) {
    const earlier = byName.get(entry.name);
    if (earlier) {
      const reason = `duplicate token name "${entry.name}" (also ${earlier.at})${
        entry.named && earlier.named
          ? ''
          : ': an unnamed role:token entry is named after its role; name each one: name=role:token'
      }`;
      throw new AfterwordError('invalid_config', `${entry.at}: ${reason}`, { issues: [{ field: entry.at, reason }] });
    }
    byName.set(entry.name, entry);
  }
  return entries.map(({ name, role, token }) => ({ name, role, token }));
}

function envTokens(env: Env): unknown {
  const raw = envValue(env, 'AFTERWORD_TOKENS');
  return raw === undefined ? undefined : parseEnvTokens(raw);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const prev = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

function fromEnv(env: Env): Record<string, unknown> {
  return {
    dataDir: envValue(env, 'AFTERWORD_DATA_DIR'),
    databaseUrl: envValue(env, 'DATABASE_URL'),
    pgSchema: envValue(env, 'AFTERWORD_PG_SCHEMA'),
    logLevel: envValue(env, 'AFTERWORD_LOG_LEVEL'),
    worldFile: envValue(env, 'AFTERWORD_WORLD_FILE'),
    workers: { concurrency: envInt(env, 'AFTERWORD_CONCURRENCY') },
    closure: { slaMs: envInt(env, 'AFTERWORD_SLA_MS') },
    engineKind: envValue(env, 'AFTERWORD_ENGINE'),
    temporal: {
      address: envValue(env, 'TEMPORAL_ADDRESS'),
      namespace: envValue(env, 'TEMPORAL_NAMESPACE') ?? envValue(env, 'TEMPORAL_DOMAIN'),
      taskQueue: envValue(env, 'TEMPORAL_TASK_QUEUE') ?? envValue(env, 'TEMPORAL_QUEUE'),
      apiKey: envValue(env, 'TEMPORAL_API_KEY'),
      webUiUrl: envValue(env, 'TEMPORAL_WEB_UI_URL'),
      tls:
        envValue(env, 'TEMPORAL_TLS_CERT') && envValue(env, 'TEMPORAL_TLS_KEY')
          ? {
              certPath: envValue(env, 'TEMPORAL_TLS_CERT'),
              keyPath: envValue(env, 'TEMPORAL_TLS_KEY'),
              caPath: envValue(env, 'TEMPORAL_TLS_CA'),
            }
          : undefined,
    },
    cadence: { timeZone: envValue(env, 'AFTERWORD_TIME_ZONE') },
    pipeline: {
      summariser: envValue(env, 'AFTERWORD_SUMMARISER'),
      tagger: envValue(env, 'AFTERWORD_TAGGER'),
      ner: {
        url: envValue(env, 'AFTERWORD_NER_URL'),
        apiKey: envValue(env, 'AFTERWORD_NER_API_KEY'),
        timeoutMs: envInt(env, 'AFTERWORD_NER_TIMEOUT_MS'),
      },
      llm: {
        url: envValue(env, 'AFTERWORD_LLM_URL'),
        model: envValue(env, 'AFTERWORD_LLM_MODEL'),
        apiKey: envValue(env, 'AFTERWORD_LLM_API_KEY'),
      },
    },
    webhooks: {
      allowPrivateNetworks: envValue(env, 'AFTERWORD_WEBHOOKS_ALLOW_PRIVATE')
        ?.split(',')
        .map((s) => s.trim()),
    },
    http: { host: envValue(env, 'AFTERWORD_HOST'), port: envInt(env, 'AFTERWORD_PORT'), tokens: envTokens(env) },
    tracing: { otlpEndpoint: envValue(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'), serviceName: envValue(env, 'OTEL_SERVICE_NAME') },
  };
}

function fromFile(env: Env): Record<string, unknown> {
  const path = envValue(env, 'AFTERWORD_CONFIG');
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new AfterwordError('invalid_config', `AFTERWORD_CONFIG: cannot read ${path}: ${(error as Error).message}`);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Build the one validated, frozen configuration. Throws `invalid_config` naming each bad field. */
export function loadConfig(overrides: ConfigInput | Record<string, unknown> = {}, env: Env = process.env): AfterwordConfig {
  const merged = deepMerge(deepMerge(fromFile(env), fromEnv(env)), overrides as Record<string, unknown>);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(root)', reason: i.message }));
    throw new AfterwordError(
      'invalid_config',
      `invalid configuration: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`,
      {
        issues,
      },
    );
  }
  return deepFreeze(parsed.data);
}
