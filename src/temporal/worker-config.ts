import { AfterwordError } from '../errors.js';

/**
 * Temporal worker configuration (spec section 8), read from the environment. Values are trimmed
 * and an empty value counts as missing. Strict mode requires the namespace and task queue (and
 * the OTLP endpoint when asked) and fails listing every missing variable; lenient mode fills
 * defaults so a developer machine starts without ceremony.
 */
export interface TemporalWorkerConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  metricsNamespace: string;
  otlpEndpoint: string | null;
  tls: { certPath: string; keyPath: string; caPath: string | null } | null;
  /** Temporal Cloud API key (TEMPORAL_API_KEY). */
  apiKey: string | null;
  strict: boolean;
}

type Env = Record<string, string | undefined>;

const truthy = new Set(['1', 'true', 'yes', 'y']);

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function flag(env: Env, name: string): boolean {
  const v = value(env, name);
  return v !== undefined && truthy.has(v.toLowerCase());
}

/** The first present variable of a primary name and its fallback, with the name that supplied it. */
function either(env: Env, primary: string, fallback: string): string | undefined {
  return value(env, primary) ?? value(env, fallback);
}

/** STRICT → strict; else ALLOW_FALLBACK → lenient; else production → strict; else CI → strict; else lenient. */
export function isStrict(env: Env): boolean {
  if (flag(env, 'TEMPORAL_STRICT_CONFIG')) return true;
  if (flag(env, 'TEMPORAL_ALLOW_FALLBACK')) return false;
  if (value(env, 'NODE_ENV') === 'production') return true;
  if (value(env, 'CI') !== undefined) return true;
  return false;
}

export function readTemporalWorkerConfig(env: Env = process.env, options: { requireOtlp?: boolean } = {}): TemporalWorkerConfig {
  const strict = isStrict(env);
  const namespace = either(env, 'TEMPORAL_NAMESPACE', 'TEMPORAL_DOMAIN');
  const taskQueue = either(env, 'TEMPORAL_TASK_QUEUE', 'TEMPORAL_QUEUE');
  const otlpEndpoint = either(env, 'OTEL_EXPORTER_OTLP', 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? null;
  if (strict) {
    const missing: string[] = [];
    if (!namespace) missing.push('TEMPORAL_NAMESPACE (or TEMPORAL_DOMAIN)');
    if (!taskQueue) missing.push('TEMPORAL_TASK_QUEUE (or TEMPORAL_QUEUE)');
    if (options.requireOtlp && !otlpEndpoint) missing.push('OTEL_EXPORTER_OTLP (or OTEL_EXPORTER_OTLP_ENDPOINT)');
    if (missing.length > 0) {
      throw new AfterwordError(
        'temporal_worker_missing_config',
        `Temporal worker configuration is missing: ${missing.join(', ')}`,
        {
          details: { missing },
          issues: missing.map((field) => ({ field, reason: 'is required in strict mode' })),
          retryable: false,
        },
      );
    }
  }
  const certPath = value(env, 'TEMPORAL_TLS_CERT');
  const keyPath = value(env, 'TEMPORAL_TLS_KEY');
  return {
    address: value(env, 'TEMPORAL_ADDRESS') ?? 'localhost:7233',
    namespace: namespace ?? 'default',
    taskQueue: taskQueue ?? 'afterword-closure',
    metricsNamespace: either(env, 'METRICS_NAMESPACE', 'TEMPORAL_METRICS_NAMESPACE') ?? 'afterword',
    otlpEndpoint,
    tls: certPath && keyPath ? { certPath, keyPath, caPath: value(env, 'TEMPORAL_TLS_CA') ?? null } : null,
    apiKey: value(env, 'TEMPORAL_API_KEY') ?? null,
    strict,
  };
}

/** The worker's configuration as the `temporal` section of the config schema (src/config.ts). */
export function temporalConfigInput(worker: TemporalWorkerConfig): Record<string, unknown> {
  return {
    address: worker.address,
    namespace: worker.namespace,
    taskQueue: worker.taskQueue,
    ...(worker.apiKey ? { apiKey: worker.apiKey } : {}),
    ...(worker.tls
      ? {
          tls: {
            certPath: worker.tls.certPath,
            keyPath: worker.tls.keyPath,
            ...(worker.tls.caPath ? { caPath: worker.tls.caPath } : {}),
          },
        }
      : {}),
  };
}
