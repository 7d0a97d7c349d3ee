import { placeholders, readInt, readJson, readOptionalInt, type Row, type SqlExecutor } from '../store/ports.js';

/**
 * Webhook deliveries, their attempt log and the dispatcher's cursor (tables `webhook_deliveries`,
 * `webhook_attempts`, `webhook_dispatch`, their one owner). Delivery lifecycle (status):
 *
 *   pending ──2xx──▶ delivered
 *   pending ──retries exhausted, or the endpoint disabled or gone──▶ dead
 *   dead ──redrive (operator)──▶ pending
 *
 * Each delivery is carried by one durable job of the delivery workflow (`jobId`); the job's
 * retries are the delivery's attempts. `messageId` is the `webhook-id` header: the same on every
 * attempt, so a receiver can deduplicate.
 */
export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface WebhookMessage {
  /** Standard Webhooks body: `{ type, timestamp, data }`. */
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface WebhookDelivery {
  deliveryId: string;
  endpointId: string;
  messageId: string;
  topic: string;
  eventId: number;
  status: DeliveryStatus;
  attempts: number;
  jobId: string;
  lastError: string | null;
  nextAttemptAt: number | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
}

export interface DeliveryAttempt {
  deliveryId: string;
  attempt: number;
  startedAt: number;
  statusCode: number | null;
  latencyMs: number;
  /** `delivered`, `failed` (non-2xx), `timeout`, `network_error`, `address_refused`, `endpoint_disabled`. */
  outcome: string;
  error: string | null;
  responseExcerpt: string | null;
}

function rowToDelivery(row: Row): WebhookDelivery {
  return {
    deliveryId: String(row.id),
    endpointId: String(row.endpoint_id),
    messageId: String(row.message_id),
    topic: String(row.topic),
    eventId: readInt(row.event_id),
    status: row.status as DeliveryStatus,
    attempts: readInt(row.attempts),
    jobId: String(row.job_id),
    lastError: (row.last_error as string | null) ?? null,
    nextAttemptAt: readOptionalInt(row.next_attempt_at),
    createdAt: readInt(row.created_at),
    updatedAt: readInt(row.updated_at),
    deliveredAt: readOptionalInt(row.delivered_at),
  };
}

function rowToAttempt(row: Row): DeliveryAttempt {
  return {
    deliveryId: String(row.delivery_id),
    attempt: readInt(row.attempt),
    startedAt: readInt(row.started_at),
    statusCode: readOptionalInt(row.status_code),
    latencyMs: readInt(row.latency_ms),
    outcome: String(row.outcome),
    error: (row.error as string | null) ?? null,
    responseExcerpt: (row.response_excerpt as string | null) ?? null,
  };
}

export interface NewDelivery {
  deliveryId: string;
  endpointId: string;
  messageId: string;
  topic: string;
  eventId: number;
  payload: WebhookMessage;
  jobId: string;
}

/** Insert a delivery; false when this endpoint already has this message (a dispatcher re-run). */
export async function insertDelivery(db: SqlExecutor, delivery: NewDelivery, now: number): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO webhook_deliveries (id, endpoint_id, message_id, topic, event_id, payload, status, job_id, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
    [
      delivery.deliveryId,
      delivery.endpointId,
      delivery.messageId,
      delivery.topic,
      delivery.eventId,
      JSON.stringify(delivery.payload),
      delivery.jobId,
      now,
      now,
    ],
  );
  return rows.length === 1;
}

export async function getDelivery(db: SqlExecutor, deliveryId: string): Promise<WebhookDelivery | null> {
  const [row] = await db.query(
    'SELECT id, endpoint_id, message_id, topic, event_id, status, attempts, job_id, last_error, next_attempt_at, created_at, updated_at, delivered_at FROM webhook_deliveries WHERE id = ?',
    [deliveryId],
  );
  return row ? rowToDelivery(row) : null;
}

/** The message body as first signed (the same bytes on every attempt). */
export async function deliveryPayload(db: SqlExecutor, deliveryId: string): Promise<WebhookMessage | null> {
  const [row] = await db.query('SELECT payload FROM webhook_deliveries WHERE id = ?', [deliveryId]);
  return row ? readJson<WebhookMessage>(row.payload, null as never) : null;
}

export interface DeliveryQuery {
  endpointId?: string | undefined;
  topic?: string | undefined;
  status?: DeliveryStatus | undefined;
  /** created_at >= since */
  since?: number | undefined;
  /** created_at < until */
  until?: number | undefined;
  /** Cursor: deliveries older than this one (newest first). */
  before?: { createdAt: number; deliveryId: string } | undefined;
  limit: number;
}

/** Deliveries newest first. */
export async function listDeliveries(db: SqlExecutor, query: DeliveryQuery): Promise<WebhookDelivery[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.endpointId) where.push('endpoint_id = ?'), params.push(query.endpointId);
  if (query.topic) where.push('topic = ?'), params.push(query.topic);
  if (query.status) where.push('status = ?'), params.push(query.status);
  if (query.since !== undefined) where.push('created_at >= ?'), params.push(query.since);
  if (query.until !== undefined) where.push('created_at < ?'), params.push(query.until);
  if (query.before) {
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    params.push(query.before.createdAt, query.before.createdAt, query.before.deliveryId);
  }
  const rows = await db.query(
    `SELECT id, endpoint_id, message_id, topic, event_id, status, attempts, job_id, last_error, next_attempt_at, created_at, updated_at, delivered_at
     FROM webhook_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`,
    [...params, query.limit],
  );
  return rows.map(rowToDelivery);
}

export async function recordAttempt(db: SqlExecutor, attempt: DeliveryAttempt): Promise<void> {
  await db.run(
    `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, status_code, latency_ms, outcome, error, response_excerpt)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [
      attempt.deliveryId,
      attempt.attempt,
      attempt.startedAt,
      attempt.statusCode,
      Math.round(attempt.latencyMs),
      attempt.outcome,
      attempt.error,
      attempt.responseExcerpt,
    ],
  );
}

export async function listAttempts(db: SqlExecutor, deliveryId: string): Promise<DeliveryAttempt[]> {
  const rows = await db.query('SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt', [deliveryId]);
  return rows.map(rowToAttempt);
}

/** Record where the delivery stands after an attempt (or a redrive). */
export async function setDeliveryState(
  db: SqlExecutor,
  deliveryId: string,
  state: { status: DeliveryStatus; attempts?: number; lastError?: string | null; nextAttemptAt?: number | null },
  now: number,
): Promise<void> {
  await db.run(
    `UPDATE webhook_deliveries SET status = ?, attempts = COALESCE(?, attempts), last_error = ?, next_attempt_at = ?,
       delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END, updated_at = ?
     WHERE id = ?`,
    [
      state.status,
      state.attempts ?? null,
      state.lastError ?? null,
      state.nextAttemptAt ?? null,
      state.status,
      now,
      now,
      deliveryId,
    ],
  );
}

/** An endpoint removed: its deliveries and their attempts go with it. */
export async function deleteDeliveriesOf(db: SqlExecutor, endpointId: string): Promise<void> {
  await db.run('DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)', [
    endpointId,
  ]);
  await db.run('DELETE FROM webhook_deliveries WHERE endpoint_id = ?', [endpointId]);
}

/** Count deliveries by status (metrics, the dashboard). */
export async function countDeliveries(db: SqlExecutor, endpointIds?: readonly string[]): Promise<Record<DeliveryStatus, number>> {
  const filter = endpointIds?.length ? `WHERE endpoint_id IN (${placeholders(endpointIds.length)})` : '';
  const rows = await db.query(
    `SELECT status, COUNT(*) AS n FROM webhook_deliveries ${filter} GROUP BY status`,
    endpointIds?.length ? [...endpointIds] : [],
  );
  const counts: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, dead: 0 };
  for (const row of rows) counts[row.status as DeliveryStatus] = readInt(row.n);
  return counts;
}

/**
 * Take the dispatcher's cursor for this transaction: the UPDATE locks its row until COMMIT, so
 * dispatchers in several processes take turns and never turn one event into deliveries twice.
 */
export async function lockDispatchCursor(db: SqlExecutor, now: number): Promise<number> {
  const [row] = await db.query("UPDATE webhook_dispatch SET updated_at = ? WHERE id = 'events' RETURNING last_event_id", [now]);
  return readInt(row?.last_event_id ?? 0);
}

export async function advanceDispatchCursor(db: SqlExecutor, lastEventId: number, now: number): Promise<void> {
  await db.run("UPDATE webhook_dispatch SET last_event_id = ?, updated_at = ? WHERE id = 'events'", [lastEventId, now]);
}

/** The cursor without locking it (a cheap "anything new?" before the dispatch transaction). */
export async function dispatchCursor(db: SqlExecutor): Promise<number> {
  const [row] = await db.query("SELECT last_event_id FROM webhook_dispatch WHERE id = 'events'");
  return readInt(row?.last_event_id ?? 0);
}

/** A redrive whose job was pruned (retention): the delivery gets a new job, pending again. */
export async function reassignDeliveryJob(db: SqlExecutor, deliveryId: string, jobId: string, now: number): Promise<void> {
  await db.run(
    "UPDATE webhook_deliveries SET job_id = ?, status = 'pending', next_attempt_at = NULL, updated_at = ? WHERE id = ?",
    [jobId, now, deliveryId],
  );
}
