/**
 * The error-code registry. Every error that can leave the process (HTTP, CLI exit, API)
 * carries a stable `code`; messages are for people, codes are for programs and tests.
 * `status` is the HTTP status the server answers with; the CLI maps 4xx to exit code 2
 * (the caller's mistake) and everything else to exit code 1.
 */
export const errorCodes = {
  invalid_input: { status: 400 },
  invalid_json: { status: 400 },
  invalid_utf8: { status: 400 },
  path_not_allowed: { status: 400 },
  token_in_query: { status: 400 },
  unsupported_media_type: { status: 415 },
  invalid_config: { status: 500 },
  payload_too_large: { status: 413 },
  transcript_too_large: { status: 413 },
  unauthorized: { status: 401 },
  forbidden: { status: 403 },
  session_not_found: { status: 404 },
  session_closed: { status: 409 },
  turn_conflict: { status: 409 },
  job_not_found: { status: 404 },
  job_not_retryable: { status: 409 },
  job_not_cancellable: { status: 409 },
  job_busy: { status: 409 },
  job_terminal: { status: 409 },
  job_not_reschedulable: { status: 409 },
  lease_lost: { status: 409 },
  delta_not_found: { status: 404 },
  delta_already_decided: { status: 409 },
  alert_not_found: { status: 404 },
  batch_not_found: { status: 404 },
  override_exceeds_limit: { status: 400 },
  world_not_loaded: { status: 409 },
  invalid_world_file: { status: 400 },
  store_locked: { status: 503 },
  store_unavailable: { status: 503 },
  migration_failed: { status: 500 },
  rate_limited: { status: 429 },
  too_many_streams: { status: 429 },
  server_busy: { status: 503 },
  change_feed_too_large: { status: 413 },
  request_timeout: { status: 408 },
  headers_too_large: { status: 431 },
  bad_request: { status: 400 },
  not_found: { status: 404 },
  step_failed: { status: 500 },
  attempts_exhausted: { status: 500 },
  job_cancelled: { status: 409 },
  temporal_worker_missing_config: { status: 500 },
  webhook_not_found: { status: 404 },
  webhook_delivery_not_found: { status: 404 },
  webhook_address_refused: { status: 400 },
  webhook_delivery_failed: { status: 502 },
  webhook_delivery_not_redrivable: { status: 409 },
  internal: { status: 500 },
} as const satisfies Record<string, { status: number }>;

export type ErrorCode = keyof typeof errorCodes;

/** One precise complaint about one field of the caller's input. */
export interface FieldIssue {
  field: string;
  reason: string;
}

export class AfterwordError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues: FieldIssue[];
  readonly details: Record<string, unknown> | undefined;
  /** false when retrying cannot help (bad input); the engine fails such jobs at once. */
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { issues?: FieldIssue[]; details?: Record<string, unknown>; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AfterwordError';
    this.code = code;
    this.status = errorCodes[code].status;
    this.issues = options.issues ?? [];
    this.details = options.details;
    this.retryable = options.retryable ?? this.status >= 500;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.issues.length > 0 ? { issues: this.issues } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** A client mistake about specific fields: always a 4xx, never retryable. */
export function invalidInput(issues: FieldIssue[], message?: string): AfterwordError {
  const text = message ?? issues.map((i) => `${i.field}: ${i.reason}`).join('; ');
  return new AfterwordError('invalid_input', text, { issues, retryable: false });
}

export function isAfterwordError(error: unknown): error is AfterwordError {
  return error instanceof AfterwordError;
}

/** A plain description of any thrown value, for logs and stored job errors. */
export function describeError(error: unknown): { message: string; code: string } {
  if (error instanceof AfterwordError) return { message: error.message, code: error.code };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { message: error.message, code: typeof code === 'string' ? code : 'internal' };
  }
  return { message: String(error), code: 'internal' };
}
