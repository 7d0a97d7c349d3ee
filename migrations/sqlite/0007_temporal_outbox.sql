-- The Temporal engine's outbox (owned by src/temporal/temporal-outbox-store.ts): what must reach
-- Temporal (start a job's workflow, restart it after an operator retry or re-run, wake it, cancel
-- it) is a row committed with its cause; the relay sends it and deletes it. A relay takes a row
-- by setting `claimed_until`, so two relays do not send the same row at once.
CREATE TABLE temporal_outbox (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  kind           TEXT NOT NULL,
  job_id         TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 0,
  last_error     TEXT,
  claimed_until  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX temporal_outbox_by_claim ON temporal_outbox (claimed_until, id);
