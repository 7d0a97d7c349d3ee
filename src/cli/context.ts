import { type Afterword, createAfterword } from '../app.js';
import { type ConfigInput, loadConfig } from '../config.js';
import { AfterwordError } from '../errors.js';
import { type Clock, offsetClock } from '../clock.js';

export interface GlobalOptions {
  data?: string;
  databaseUrl?: string;
  json?: boolean;
  logLevel?: string;
  now?: string;
}

/** Build the configuration from global flags on top of environment and file. */
export function configFrom(options: GlobalOptions, extra: Record<string, unknown> = {}) {
  const overrides: Record<string, unknown> = { ...extra };
  if (options.data) overrides.dataDir = options.data;
  if (options.databaseUrl) overrides.databaseUrl = options.databaseUrl;
  // Commands print their own output; logs stay quiet unless asked for.
  overrides.logLevel = options.logLevel ?? process.env.AFTERWORD_LOG_LEVEL ?? 'error';
  return loadConfig(overrides as ConfigInput);
}

/** `--now` lets operators and tests view or run the schedule as of another instant. */
export function parseNow(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const at = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(at)) {
    throw new AfterwordError('invalid_input', `--now: "${value}" is not an ISO-8601 time or epoch milliseconds`, {
      issues: [{ field: '--now', reason: 'must be an ISO-8601 time or epoch milliseconds' }],
    });
  }
  return at;
}

/** `{ clock }` shifted to `--now` when given, so schedules and due jobs run as of that instant. */
export function clockOption(options: GlobalOptions): { clock?: Clock } {
  const now = parseNow(options.now);
  return now === undefined ? {} : { clock: offsetClock(now) };
}

export async function withApp<T>(
  options: GlobalOptions,
  fn: (app: Afterword) => Promise<T>,
  extra: Record<string, unknown> = {},
): Promise<T> {
  const config = configFrom(options, extra);
  const app = await createAfterword(config, clockOption(options));
  try {
    return await fn(app);
  } finally {
    await app.stop();
  }
}
