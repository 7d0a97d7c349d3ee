-- Webhooks (src/delivery/): subscriptions, one delivery per (endpoint, message), an attempt log, and
-- the dispatcher's cursor over the event log. Timestamps are epoch ms; booleans 0/1 integers.

-- A subscription. `secret` signs deliveries; during a rotation's overlap `previous_secret` signs
-- too, until `previous_secret_expires_at`. `from_event_id`: only events after it are delivered.
-- `failing_since`: the first failed attempt since the last success (auto-disable measures from it).
CREATE TABLE webhook_endpoints (
  id                          TEXT PRIMARY KEY,
  url                         TEXT NOT NULL,
  description                 TEXT NOT NULL DEFAULT '',
  topics                      JSONB NOT NULL,
  enabled                     INTEGER NOT NULL,
  disabled_reason             TEXT,
  secret                      TEXT NOT NULL,
  previous_secret             TEXT,
  previous_secret_expires_at  BIGINT,
  from_event_id               BIGINT NOT NULL,
  failing_since               BIGINT,
  created_by                  TEXT NOT NULL,
  created_at                  BIGINT NOT NULL,
  updated_at                  BIGINT NOT NULL
);

-- Delivery lifecycle (status): pending ──2xx──▶ delivered; pending ──retries exhausted or
-- endpoint disabled──▶ dead; dead ──redrive──▶ pending. `message_id` is the webhook-id header:
-- the same on every attempt and for every endpoint the message goes to.
CREATE TABLE webhook_deliveries (
  id             TEXT PRIMARY KEY,
  endpoint_id    TEXT NOT NULL,
  message_id     TEXT NOT NULL,
  topic          TEXT NOT NULL,
  event_id       BIGINT NOT NULL,
  payload        JSONB NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('pending','delivered','dead')),
  attempts       INTEGER NOT NULL DEFAULT 0,
  job_id         TEXT NOT NULL,
  last_error     TEXT,
  next_attempt_at BIGINT,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  delivered_at   BIGINT
);
CREATE UNIQUE INDEX webhook_deliveries_message ON webhook_deliveries (endpoint_id, message_id);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_by_status ON webhook_deliveries (status, created_at);

CREATE TABLE webhook_attempts (
  delivery_id       TEXT NOT NULL,
  attempt           INTEGER NOT NULL,
  started_at        BIGINT NOT NULL,
  status_code       INTEGER,
  latency_ms        INTEGER NOT NULL,
  outcome           TEXT NOT NULL,
  error             TEXT,
  response_excerpt  TEXT,
  PRIMARY KEY (delivery_id, attempt)
);

-- The dispatcher's position in the event log: events up to `last_event_id` are turned into
-- deliveries. Advanced in the same transaction as the deliveries it enqueues.
CREATE TABLE webhook_dispatch (
  id             TEXT PRIMARY KEY,
  last_event_id  BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL
);
INSERT INTO webhook_dispatch (id, last_event_id, updated_at) VALUES ('events', 0, 0);
