import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AfterwordError, invalidInput } from '../errors.js';
import { findUnsafeValues, joinPath } from '../domain/input/unsafe-values.js';
import { wellFormedDeep } from '../domain/transcript/clean-text.js';
import { answerClientError } from './error-handler.js';

/**
 * The one input guard every request passes, whatever its route: the rules that hold for any
 * value a client sends, so no route (and no store) has to remember them.
 *
 * - JSON bodies are decoded as strict UTF-8 (invalid bytes: 400 `invalid_utf8`) and may nest at
 *   most `maxJsonDepth` objects and arrays (the body itself is level 1). The depth is measured by
 *   scanning the text before `JSON.parse`, so a 100,000-deep body costs one linear pass and
 *   never reaches a recursive validator or serializer.
 * - No string (path parameter, query value, body string or object key) may contain NUL
 *   (U+0000): PostgreSQL cannot store it in text or JSONB, so SQLite refuses it too and both
 *   stores accept the same inputs.
 * - No number in a body may lie outside ±(2^53 − 1): beyond that JSON numbers are not exact in
 *   JavaScript, and 1e19 does not fit a BIGINT.
 * - Integer query and path parameters without a declared maximum get 2^31 − 1 (PostgreSQL
 *   INTEGER), added to the route schema so the OpenAPI document says so too.
 * - Bodies must be `application/json` (anything else, including `text/plain`: 415).
 */
export interface InputGuardLimits {
  maxJsonDepth: number;
  /** `limits.requestTimeoutMs`: the whole request, body included, must arrive within it (0: off). */
  requestTimeoutMs: number;
}

/** PostgreSQL INTEGER: the default maximum of an integer query or path parameter. */
export const MAX_INT32 = 2_147_483_647;

/**
 * The path of the first container nested deeper than `maxDepth` in JSON `text`, or null. A
 * lenient single pass: it only tracks brackets, string boundaries and the key or index that led
 * into each container; malformed JSON is left for JSON.parse to report.
 */
export function findTooDeep(text: string, maxDepth: number): string | null {
  // For each open container: is it an array, its current index or key, whether a key is expected.
  const arrays: boolean[] = [];
  const keys: Array<string | number> = [];
  let expectKey = false;
  let lastString: string | null = null;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
      lastString = text.slice(start, i + 1);
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (arrays.length >= maxDepth) {
        let path = '';
        for (const key of keys) path = joinPath(path, key);
        return path || '(body)';
      }
      arrays.push(c === 0x5b);
      keys.push(c === 0x5b ? 0 : '');
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      arrays.pop();
      keys.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const top = keys.length - 1;
      if (top >= 0) {
        if (arrays[top]) keys[top] = (keys[top] as number) + 1;
        else expectKey = true;
      }
    } else if (c === 0x3a /* : */) {
      const top = keys.length - 1;
      if (top >= 0 && expectKey && lastString !== null) keys[top] = decodeKey(lastString);
      expectKey = false;
    }
  }
  return null;
}

function decodeKey(quoted: string): string {
  try {
    return String(JSON.parse(quoted));
  } catch {
    return quoted.slice(1, -1);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A JSON escape of a surrogate code unit (paired or not: the deep pass tells them apart). */
const LONE_SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Parse a JSON body: strict UTF-8, bounded depth, then JSON.parse. */
export function parseJsonBody(raw: Buffer, maxDepth: number): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new AfterwordError('invalid_utf8', 'the body is not valid UTF-8; send JSON encoded as UTF-8', {
      issues: [{ field: '(body)', reason: 'is not valid UTF-8' }],
      retryable: false,
    });
  }
  if (text.trim() === '') return undefined;
  const deep = findTooDeep(text, maxDepth);
  if (deep !== null) {
    throw invalidInput(
      [{ field: deep, reason: `nests deeper than ${maxDepth} levels of objects and arrays (limits.maxJsonDepth)` }],
      `${deep}: the body nests deeper than the limit of ${maxDepth} levels (limits.maxJsonDepth)`,
    );
  }
  try {
    const value: unknown = JSON.parse(text);
    // Strict UTF-8 text holds no surrogate code unit of its own: a lone one can only come from a
    // `\uD800`-style escape. Made well formed (U+FFFD) here, every route and both stores see the
    // same text (PostgreSQL's JSONB refuses a lone surrogate; SQLite would keep it).
    return LONE_SURROGATE_ESCAPE.test(text) ? wellFormedDeep(value) : value;
  } catch (error) {
    throw new AfterwordError('invalid_json', `the body is not valid JSON: ${(error as Error).message}`, { retryable: false });
  }
}

type Schema = Record<string, unknown>;

/** A copy of a params/querystring schema whose integer properties without a maximum get MAX_INT32. */
function boundIntegers(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object') return schema;
  const properties = (schema as Schema).properties as Record<string, Schema> | undefined;
  if (!properties) return schema;
  let changed = false;
  const bounded: Record<string, Schema> = {};
  for (const [name, property] of Object.entries(properties)) {
    if (property && property.type === 'integer' && property.maximum === undefined) {
      bounded[name] = { ...property, maximum: MAX_INT32 };
      changed = true;
    } else bounded[name] = property;
  }
  return changed ? { ...(schema as Schema), properties: bounded } : schema;
}

function check(value: unknown, root: string): void {
  if (value === undefined || value === null) return;
  const issues = findUnsafeValues(value, root);
  if (issues.length > 0) throw invalidInput(issues);
}

/**
 * Install the guard: the JSON parser, the NUL and number check before every route's validation,
 * and the default integer bounds. Call before any route is added.
 */
export function registerInputGuard(server: FastifyInstance, limits: InputGuardLimits): void {
  // Fastify parses text/plain by default; no route takes text, so it is refused with 415.
  server.removeContentTypeParser('text/plain');
  server.removeContentTypeParser('application/json');
  server.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer, limits.maxJsonDepth));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  server.addHook('onRoute', (route) => {
    const schema = route.schema as Schema | undefined;
    if (!schema) return;
    const bounded: Schema = { ...schema };
    if (schema.querystring) bounded.querystring = boundIntegers(schema.querystring);
    if (schema.params) bounded.params = boundIntegers(schema.params);
    route.schema = bounded;
  });

  // Node's requestTimeout stops waiting for headers, but not for a body that trickles in after them
  // (a slow upload holds a socket and a parser forever): a request whose body has not fully arrived
  // within the limit is answered 408 on its socket, which is then closed.
  if (limits.requestTimeoutMs > 0) {
    server.addHook('onRequest', async (request) => {
      const raw = request.raw;
      // Only real sockets still receiving a body (an injected request has no `complete` flag).
      if (raw.complete !== false || typeof raw.socket?.destroy !== 'function') return;
      const timer = setTimeout(() => {
        if (raw.complete || raw.socket.destroyed) return;
        answerClientError(Object.assign(new Error('request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), raw.socket);
      }, limits.requestTimeoutMs);
      timer.unref();
      const clear = () => clearTimeout(timer);
      raw.once('end', clear);
      raw.once('close', clear);
    });
  }

  // Global, so it runs before any route's own preValidation hooks (ownership checks read the store).
  server.addHook('preValidation', async (request: FastifyRequest) => {
    check(request.params, 'params');
    check(request.query, 'query');
    check(request.body, '');
  });
}
