import type { FastifyRequest } from 'fastify';
import type { Logger } from '../telemetry/logger.js';

/** Query parameters whose values are secrets: never written to a log line, at any level. */
const secretParams = /([?&](?:token|ticket|access_token|api[_-]?key|key|secret|password)=)[^&#]*/gi;

/** The URL with every secret query value replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(secretParams, '$1[redacted]');
}

/**
 * How a request appears in the logs (`incoming request`, errors): method, redacted URL, host and
 * peer. No headers at all, so an `Authorization` header can never reach a log line.
 */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** The service's logger for the HTTP server: the same logger, with the redacting request serializer. */
export function serverLogger(logger: Logger): Logger {
  return logger.child({}, { serializers: { req: serializeRequest as never } });
}
