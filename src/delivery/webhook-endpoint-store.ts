import { readInt, readJson, readOptionalInt, type Row, type SqlExecutor } from '../store/ports.js';

/**
 * Webhook subscriptions (table `webhook_endpoints`, its one owner). An endpoint is enabled or
 * disabled (by an operator, or automatically after failing for `webhooks.disableAfterMs`, with
 * `disabledReason` saying which). Secrets live here and nowhere else: `WebhookEndpoint` (what the
 * API and CLI show) has none; `EndpointSecrets` is read only by the delivery step that signs.
 */
export interface WebhookEndpoint {
  endpointId: string;
  url: string;
  description: string;
  /** Webhook topics this endpoint receives; `*` means every topic. */
  topics: string[];
  enabled: boolean;
  disabledReason: string | null;
  /** Only events committed after this one are delivered (the newest event at creation). */
  fromEventId: number;
  failingSince: number | null;
  /** When the previous secret stops signing (a rotation's overlap), or null. */
  previousSecretExpiresAt: number | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/** The secrets that sign an endpoint's deliveries: the current one, and the previous one while its overlap lasts. */
export interface EndpointSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: number | null;
}

function rowToEndpoint(row: Row): WebhookEndpoint {
  return {
    endpointId: String(row.id),
    url: String(row.url),
    description: String(row.description ?? ''),
    topics: readJson<string[]>(row.topics, []),
    enabled: readInt(row.enabled) === 1,
    disabledReason: (row.disabled_reason as string | null) ?? null,
    fromEventId: readInt(row.from_event_id),
    failingSince: readOptionalInt(row.failing_since),
    previousSecretExpiresAt: readOptionalInt(row.previous_secret_expires_at),
    createdBy: String(row.created_by),
    createdAt: readInt(row.created_at),
    updatedAt: readInt(row.updated_at),
  };
}

export interface NewEndpoint {
  endpointId: string;
  url: string;
  description: string;
  topics: readonly string[];
  enabled: boolean;
  secret: string;
  fromEventId: number;
  createdBy: string;
}

export async function insertEndpoint(db: SqlExecutor, endpoint: NewEndpoint, now: number): Promise<WebhookEndpoint> {
  const [row] = await db.query(
    `INSERT INTO webhook_endpoints (id, url, description, topics, enabled, secret, from_event_id, created_by, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    [
      endpoint.endpointId,
      endpoint.url,
      endpoint.description,
      JSON.stringify(endpoint.topics),
      endpoint.enabled ? 1 : 0,
      endpoint.secret,
      endpoint.fromEventId,
      endpoint.createdBy,
      now,
      now,
    ],
  );
  return rowToEndpoint(row as Row);
}

export async function getEndpoint(db: SqlExecutor, endpointId: string): Promise<WebhookEndpoint | null> {
  const [row] = await db.query('SELECT * FROM webhook_endpoints WHERE id = ?', [endpointId]);
  return row ? rowToEndpoint(row) : null;
}

/** Endpoints oldest first, after `afterId` (cursor) when given. */
export async function listEndpoints(
  db: SqlExecutor,
  query: { enabledOnly?: boolean; after?: { createdAt: number; endpointId: string } | undefined; limit: number },
): Promise<WebhookEndpoint[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.enabledOnly) where.push('enabled = 1');
  if (query.after) {
    where.push('(created_at > ? OR (created_at = ? AND id > ?))');
    params.push(query.after.createdAt, query.after.createdAt, query.after.endpointId);
  }
  const rows = await db.query(
    `SELECT * FROM webhook_endpoints ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT ?`,
    [...params, query.limit],
  );
  return rows.map(rowToEndpoint);
}

export interface EndpointChanges {
  url?: string | undefined;
  description?: string | undefined;
  topics?: readonly string[] | undefined;
  enabled?: boolean | undefined;
}

/** Apply an operator's changes; enabling clears the disabled reason and the failure streak. */
export async function updateEndpoint(
  db: SqlExecutor,
  endpointId: string,
  changes: EndpointChanges,
  now: number,
): Promise<WebhookEndpoint | null> {
  const sets: string[] = [];
  const params: unknown[] = [];
  if (changes.url !== undefined) sets.push('url = ?'), params.push(changes.url);
  if (changes.description !== undefined) sets.push('description = ?'), params.push(changes.description);
  if (changes.topics !== undefined) sets.push('topics = ?'), params.push(JSON.stringify(changes.topics));
  if (changes.enabled === true) sets.push('enabled = 1', 'disabled_reason = NULL', 'failing_since = NULL');
  if (changes.enabled === false) sets.push('enabled = 0', "disabled_reason = 'operator'");
  sets.push('updated_at = ?');
  params.push(now);
  const [row] = await db.query(`UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE id = ? RETURNING *`, [
    ...params,
    endpointId,
  ]);
  return row ? rowToEndpoint(row) : null;
}

export async function deleteEndpoint(db: SqlExecutor, endpointId: string): Promise<boolean> {
  const result = await db.run('DELETE FROM webhook_endpoints WHERE id = ?', [endpointId]);
  return result.changes === 1;
}

/** A new signing secret; the current one keeps signing until `previousExpiresAt` (the overlap). */
export async function rotateSecret(
  db: SqlExecutor,
  endpointId: string,
  secret: string,
  previousExpiresAt: number,
  now: number,
): Promise<WebhookEndpoint | null> {
  const [row] = await db.query(
    `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = ?, secret = ?, updated_at = ?
     WHERE id = ? RETURNING *`,
    [previousExpiresAt, secret, now, endpointId],
  );
  return row ? rowToEndpoint(row) : null;
}

/** The endpoint's signing secrets (the delivery step only; never shown). */
export async function endpointSecrets(db: SqlExecutor, endpointId: string): Promise<EndpointSecrets | null> {
  const [row] = await db.query('SELECT secret, previous_secret, previous_secret_expires_at FROM webhook_endpoints WHERE id = ?', [
    endpointId,
  ]);
  if (!row) return null;
  return {
    secret: String(row.secret),
    previousSecret: (row.previous_secret as string | null) ?? null,
    previousSecretExpiresAt: readOptionalInt(row.previous_secret_expires_at),
  };
}

/** A delivery succeeded: the endpoint's failure streak ends. */
export async function markEndpointHealthy(db: SqlExecutor, endpointId: string): Promise<void> {
  await db.run('UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL', [endpointId]);
}

/** An attempt failed: the streak starts now unless it already runs. Returns the endpoint as it is now. */
export async function markEndpointFailing(db: SqlExecutor, endpointId: string, now: number): Promise<WebhookEndpoint | null> {
  const [row] = await db.query(
    'UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ?) WHERE id = ? RETURNING *',
    [now, endpointId],
  );
  return row ? rowToEndpoint(row) : null;
}

/** Disable an enabled endpoint automatically; false when it was not enabled (someone else did it). */
export async function disableFailingEndpoint(db: SqlExecutor, endpointId: string, now: number): Promise<boolean> {
  const result = await db.run(
    "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'failing', updated_at = ? WHERE id = ? AND enabled = 1",
    [now, endpointId],
  );
  return result.changes === 1;
}
