/**
 * JSON schemas shared by the routes. Requests are validated by Fastify (Ajv) before a handler
 * runs; responses are described for OpenAPI and serialised by fast-json-stringify. Records the
 * application returns are open objects (`additionalProperties: true`): the application owns
 * their shape, the envelope is ours.
 */
export const sessionIdParam = {
  type: 'object',
  required: ['sessionId'],
  properties: {
    sessionId: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$',
      description: '1-128 characters: letters, digits, and . _ : - (starting with a letter or digit)',
    },
  },
} as const;

export const idParam = (name: string, description: string) =>
  ({
    type: 'object',
    required: [name],
    properties: { [name]: { type: 'string', minLength: 1, maxLength: 200, description } },
  }) as const;

export const record = { type: 'object', additionalProperties: true } as const;
export const recordList = { type: 'array', items: record } as const;

/** The error envelope (components.schemas.Error, registered in components.ts). */
export const errorResponse = { $ref: 'Error#' } as const;

const failure = (description: string) => ({ description, $ref: 'Error#' }) as const;

/** Error responses every route may give (the guard, auth and limits run before any handler). */
export const commonErrors = {
  400: failure('Bad input: `error.issues` names each field at fault'),
  401: failure('No token, or one this service does not know'),
  403: failure("The token's role or ownership does not allow this"),
  404: failure('No such resource'),
  409: failure('The resource is in a state that refuses this'),
  408: failure('The request did not arrive within `limits.requestTimeoutMs`'),
  413: failure('The body is larger than `limits.maxBodyBytes`'),
  415: failure('The body is not `application/json`'),
  429: failure('Rate limited: retry after `Retry-After` seconds'),
  503: failure('The store is unavailable or the service is shutting down'),
} as const;

/** The errors of an anonymous route: no auth, but the guard and limits still apply. */
export const publicErrors = {
  400: commonErrors[400],
  404: commonErrors[404],
  429: commonErrors[429],
  503: commonErrors[503],
} as const;

export const pageOf = (items: object) =>
  ({
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items },
      nextCursor: { type: ['string', 'null'], description: 'pass back as `cursor` for the next page; null on the last' },
      total: { type: 'integer' },
    },
  }) as const;

/** `{items: [...]}` of a component. */
export const itemsOf = (items: object) =>
  ({ type: 'object', required: ['items'], properties: { items: { type: 'array', items } } }) as const;

/** A 2xx response pointing at a component, with a description. */
export const answer = (description: string, schema: object) => ({ description, ...schema }) as const;

export const limitQuery = { type: 'integer', minimum: 1, maximum: 500, default: 50 } as const;

export const bearer = [{ bearerAuth: [] }];
