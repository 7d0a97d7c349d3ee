import { z } from 'zod';
import { invalidInput } from './errors.js';

/**
 * Every pagination cursor the API hands out, one zod schema per kind. A cursor is base64url JSON
 * of its kind's shape; anything else a client sends back (not base64, not JSON, JSON of another
 * shape, a number out of range) is a 400 naming the field, never a value that reaches SQL.
 */
const position = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const cursorSchemas = {
  /** GET /v1/sessions: the last session on the page (newest update first). */
  sessions: z.strictObject({
    updatedAt: position,
    sessionId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/),
  }),
  /** GET /v1/sessions/{id}/history: the seq of the last closure job on the page. */
  history: position,
  /** GET /v1/jobs: the seq of the last job on the page. */
  jobs: position,
  /** GET /v1/publishing/batches: the last batch on the page (latest scheduled first). */
  batches: z.strictObject({ scheduledAt: position, batchId: z.string().min(1).max(200) }),
  /** GET /v1/sessions/{id}/mentions: the last mention on the page (in extraction order). */
  mentions: z.strictObject({ createdAt: position, ordinal: position, mentionId: z.string().min(1).max(200) }),
  /** GET /v1/world/entities/{id}/history: the last change on the page (newest first). */
  entityHistory: z.strictObject({ changedAt: position, id: z.string().min(1).max(200) }),
  /** GET /v1/world/entities: the id of the last entity on the page. */
  entities: z.string().min(1).max(300),
  /** GET /v1/lore/search: how many hits the pages so far held (search is ranked, not keyed). */
  lore: z.number().int().min(0).max(100_000),
  /** GET /v1/deltas: the last delta on the page (newest first). */
  deltas: z.strictObject({ createdAt: position, deltaId: z.string().min(1).max(200) }),
  /** GET /v1/alerts: the last alert on the page (newest first). */
  alerts: z.strictObject({ createdAt: position, id: z.string().min(1).max(200) }),
  /** GET /v1/webhooks: the last endpoint on the page (oldest first). */
  webhooks: z.strictObject({ createdAt: position, endpointId: z.string().min(1).max(200) }),
  /** GET /v1/webhooks/deliveries: the last delivery on the page (newest first). */
  deliveries: z.strictObject({ createdAt: position, deliveryId: z.string().min(1).max(200) }),
  /** GET /v1/moderation/contested: the last contested entity on the page (by id). */
  contested: z.strictObject({ entityId: z.string().min(1).max(200) }),
} as const;

export type CursorKind = keyof typeof cursorSchemas;
export type CursorOf<K extends CursorKind> = z.infer<(typeof cursorSchemas)[K]>;

/** A page size: the asked one within 1..500, 50 when none was asked. */
export function pageSize(limit: number | undefined, max = 500): number {
  return Math.min(Math.max(Math.trunc(limit ?? 50) || 50, 1), max);
}

export function encodeCursor<K extends CursorKind>(kind: K, value: CursorOf<K>): string {
  return Buffer.from(JSON.stringify(cursorSchemas[kind].parse(value))).toString('base64url');
}

/** The position a cursor stands for; undefined when none was sent; 400 when it is not one we issued. */
export function decodeCursor<K extends CursorKind>(
  kind: K,
  cursor: string | undefined,
  field = 'query.cursor',
): CursorOf<K> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+={0,2}$/.test(cursor)) throw new Error('not base64url');
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = cursorSchemas[kind].safeParse(value);
  if (!parsed.success) throw invalidInput([{ field, reason: `is not a ${kind} cursor this server issued` }]);
  return parsed.data as CursorOf<K>;
}
