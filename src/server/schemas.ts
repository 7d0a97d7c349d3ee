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

export const errorResponse = {
  type: 'object',
  description: 'Every failure: a stable code, a message for people, and the fields at fault',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        issues: {
          type: 'array',
          items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' } } },
        },
        details: record,
      },
    },
  },
} as const;

/** Error responses every authenticated route may give. */
export const commonErrors = {
  400: errorResponse,
  401: errorResponse,
  403: errorResponse,
  404: errorResponse,
  409: errorResponse,
  413: errorResponse,
  429: errorResponse,
  503: errorResponse,
} as const;

export const pageOf = (items: object) =>
  ({
    type: 'object',
    properties: { items: { type: 'array', items }, nextCursor: { type: ['string', 'null'] }, total: { type: 'integer' } },
  }) as const;

export const limitQuery = { type: 'integer', minimum: 1, maximum: 500, default: 50 } as const;

export const bearer = [{ bearerAuth: [] }];
