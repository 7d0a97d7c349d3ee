import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type FieldIssue, isAfterwordError } from '../errors.js';

export interface ErrorBody {
  error: { code: string; message: string; issues?: FieldIssue[]; details?: Record<string, unknown> };
}

/** `/turns/0/text` -> `turns[0].text`, prefixed by where the value came from. */
function fieldName(context: string | undefined, instancePath: string, missing?: unknown): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (typeof missing === 'string') parts.push(missing);
  const path = parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
  const where = context === 'querystring' ? 'query' : context === 'params' ? 'params' : context === 'headers' ? 'headers' : '';
  const joined = `${where}${path}`.replace(/^\./, '');
  return joined || where || '(body)';
}

function validationIssues(error: FastifyError): FieldIssue[] {
  return (error.validation ?? []).map((v) => {
    const params = v.params as Record<string, unknown>;
    const field = fieldName(error.validationContext, v.instancePath, params.missingProperty ?? params.additionalProperty);
    let reason = v.message ?? 'is invalid';
    if (params.missingProperty) reason = 'is required';
    else if (params.additionalProperty) reason = 'is not a known field';
    else if (params.allowedValues) reason = `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    return { field, reason };
  });
}

/** Fastify's own client errors, by code, with the stable code we answer with. */
const fastifyCodes: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'the body is empty but Content-Type says JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_input' },
};

/** Codes about the body as a whole (it cannot be read as JSON): their 400s name `(body)`. */
const bodyCodes = new Set(['invalid_json', 'invalid_utf8', 'unsupported_media_type', 'payload_too_large']);

/**
 * Every 400 names at least one field. An error raised without issues (a body that is not JSON,
 * a request Fastify could not read) names the part at fault: `(body)` or `(request)`.
 */
function withField(body: ErrorBody, status: number): ErrorBody {
  if (status !== 400 || (body.error.issues && body.error.issues.length > 0)) return body;
  const field = bodyCodes.has(body.error.code) ? '(body)' : '(request)';
  return { error: { ...body.error, issues: [{ field, reason: body.error.message }] } };
}

/**
 * Errors on a connection before any request reached Fastify (a request that took longer than
 * `limits.requestTimeoutMs` to arrive, oversized headers, unparseable HTTP): answered with the same
 * envelope, then the socket is closed. Nothing is logged: the error can carry the raw request
 * bytes, headers (and their tokens) included.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'the request did not arrive within limits.requestTimeoutMs']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'the request headers are larger than the server accepts']
        : [400, 'bad_request', 'the request is not valid HTTP'];
  const body = JSON.stringify({
    error: { code, message, ...(status === 400 ? { issues: [{ field: '(request)', reason: message }] } : {}) },
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * One response shape for every failure: `{error: {code, message, issues?}}`. Client mistakes are
 * always 4xx naming the field; only our own faults are 500, and those are logged.
 */
export function registerErrorHandler(server: FastifyInstance, options: { maxBodyBytes: number }): void {
  server.setErrorHandler(async (error: FastifyError, request, reply) => {
    const answer = await answerFor(error, request, reply, options);
    return reply.status(answer.status).send(withField(answer.body, answer.status));
  });

  server.setNotFoundHandler(async (request, reply) => {
    return reply.status(404).send({
      error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}; see /docs for the API` },
    });
  });
}

async function answerFor(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { maxBodyBytes: number },
): Promise<{ status: number; body: ErrorBody }> {
  if (isAfterwordError(error)) {
    if (error.status >= 500) request.log.error({ err: error }, 'request failed');
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.issues.length > 0) body.error.issues = error.issues;
    if (error.details) body.error.details = error.details;
    if (error.details?.retryAfterSeconds) {
      void reply.header('retry-after', String(error.details.retryAfterSeconds));
    }
    return answer(error.status, body);
  }
  if (error.validation) {
    const issues = validationIssues(error);
    const message = issues.map((i) => `${i.field}: ${i.reason}`).join('; ');
    return answer(400, { error: { code: 'invalid_input', message, issues } });
  }
  const known = error.code ? fastifyCodes[error.code] : undefined;
  if (known) {
    let message = known.message ?? error.message;
    if (known.code === 'payload_too_large')
      message = `the request body is larger than the limit of ${options.maxBodyBytes} bytes`;
    if (known.code === 'invalid_json') message = known.message ?? `the body is not valid JSON: ${error.message}`;
    // Fastify's own client errors are all about reading the body.
    return answer(known.status, { error: { code: known.code, message, issues: [{ field: '(body)', reason: message }] } });
  }
  if (error instanceof SyntaxError) {
    return answer(400, { error: { code: 'invalid_json', message: `the body is not valid JSON: ${error.message}` } });
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = status === 429 ? 'rate_limited' : status === 404 ? 'not_found' : 'invalid_input';
    return answer(status, { error: { code, message: error.message } });
  }
  request.log.error({ err: error }, 'unexpected error');
  return answer(500, { error: { code: 'internal', message: 'internal error; the server log has the details' } });
}

function answer(status: number, body: ErrorBody): { status: number; body: ErrorBody } {
  return { status, body };
}
