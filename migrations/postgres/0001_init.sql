-- Afterword schema, PostgreSQL dialect: the same tables, columns and indexes as migrations/sqlite/0001_init.sql.
-- Timestamps are epoch milliseconds in BIGINT; documents are JSONB; booleans are 0/1 integers (portable SQL).

-- Durable engine ------------------------------------------------------------------------
-- Job sequence numbers come from a sequence (postgresDialect.nextJobSeq): MAX()+1 would race here.
CREATE SEQUENCE jobs_seq_seq;
CREATE TABLE jobs (
  id                TEXT PRIMARY KEY,
  seq               BIGINT NOT NULL,
  workflow          TEXT NOT NULL,
  payload           JSONB NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('queued','retrying','processing','completed','failed','cancelled')),
  idempotency_key   TEXT,
  concurrency_key   TEXT,
  priority          INTEGER NOT NULL DEFAULT 0,
  run_at            BIGINT NOT NULL,
  attempts          INTEGER NOT NULL DEFAULT 0,
  max_attempts      INTEGER NOT NULL,
  sla_ms            BIGINT,
  sla_alerted       INTEGER NOT NULL DEFAULT 0,
  lease_owner       TEXT,
  lease_token       TEXT,
  lease_expires_at  BIGINT,
  enqueued_at       BIGINT NOT NULL,
  started_at        BIGINT,
  completed_at      BIGINT,
  duration_ms       BIGINT,
  result            JSONB,
  error             JSONB,
  updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX jobs_idempotency ON jobs (workflow, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- At most one unfinished job per concurrency key (one active closure per session).
CREATE UNIQUE INDEX jobs_one_active_per_key ON jobs (workflow, concurrency_key)
  WHERE concurrency_key IS NOT NULL AND status IN ('queued','retrying','processing');
CREATE INDEX jobs_runnable ON jobs (run_at, priority) WHERE status IN ('queued','retrying');
CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE status = 'processing';
CREATE UNIQUE INDEX jobs_seq ON jobs (seq);
CREATE INDEX jobs_by_status ON jobs (status, seq);
CREATE INDEX jobs_by_concurrency_key ON jobs (concurrency_key, seq);

CREATE TABLE job_steps (
  job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  step          TEXT NOT NULL,
  step_index    INTEGER NOT NULL,
  attempt       INTEGER NOT NULL,
  output        JSONB NOT NULL,
  started_at    BIGINT NOT NULL,
  completed_at  BIGINT NOT NULL,
  duration_ms   BIGINT NOT NULL,
  PRIMARY KEY (job_id, step)
);

CREATE TABLE job_attempts (
  job_id       TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  attempt      INTEGER NOT NULL,
  worker_id    TEXT NOT NULL,
  started_at   BIGINT NOT NULL,
  ended_at     BIGINT,
  outcome      TEXT,
  error        JSONB,
  PRIMARY KEY (job_id, attempt, started_at)
);

CREATE TABLE workers (
  worker_id     TEXT PRIMARY KEY,
  hostname      TEXT NOT NULL,
  pid           INTEGER NOT NULL,
  concurrency   INTEGER NOT NULL,
  started_at    BIGINT NOT NULL,
  last_seen_at  BIGINT NOT NULL,
  stopped_at    BIGINT,
  running       INTEGER NOT NULL DEFAULT 0,
  completed     INTEGER NOT NULL DEFAULT 0,
  failed        INTEGER NOT NULL DEFAULT 0
);

-- Telemetry -------------------------------------------------------------------------------
CREATE TABLE events (
  id          BIGSERIAL PRIMARY KEY,
  topic       TEXT NOT NULL,
  session_id  TEXT,
  job_id      TEXT,
  origin      TEXT NOT NULL,
  payload     JSONB NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE INDEX events_by_created ON events (created_at);

CREATE TABLE alerts (
  id               TEXT PRIMARY KEY,
  reason           TEXT NOT NULL,
  severity         TEXT NOT NULL CHECK (severity IN ('low','medium','high','critical')),
  session_id       TEXT,
  job_id           TEXT,
  data             JSONB NOT NULL,
  created_at       BIGINT NOT NULL,
  acknowledged_at  BIGINT,
  acknowledged_by  TEXT
);
CREATE INDEX alerts_open ON alerts (acknowledged_at, created_at);

-- Session memory ------------------------------------------------------------------------
CREATE TABLE sessions (
  id                           TEXT PRIMARY KEY,
  status                       TEXT NOT NULL CHECK (status IN ('active','closed')),
  context                      JSONB NOT NULL,
  created_at                   BIGINT NOT NULL,
  updated_at                   BIGINT NOT NULL,
  last_activity_at             BIGINT NOT NULL,
  turn_count                   INTEGER NOT NULL DEFAULT 0,
  transcript_chars             INTEGER NOT NULL DEFAULT 0,
  change_cursor                INTEGER NOT NULL DEFAULT 0,
  last_ack_cursor              INTEGER NOT NULL DEFAULT 0,
  closed_at                    BIGINT,
  closed_by                    TEXT,
  closure_reason               TEXT,
  closure_trigger              TEXT,
  last_closure_audit_ref       TEXT,
  last_closure_job_id          TEXT,
  closure_cursor               INTEGER,
  pending_offline_reconcile    INTEGER NOT NULL DEFAULT 0,
  offline_reconciled_at        BIGINT,
  offline_reconcile_audit_ref  TEXT,
  cadence                      JSONB
);
CREATE INDEX sessions_by_status ON sessions (status, updated_at);

CREATE TABLE turns (
  session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  turn_id     TEXT NOT NULL,
  scene_id    TEXT,
  act_id      TEXT,
  speaker     TEXT NOT NULL,
  text        TEXT NOT NULL,
  spoken_at   BIGINT NOT NULL,
  metadata    JSONB NOT NULL,
  PRIMARY KEY (session_id, seq)
);
CREATE UNIQUE INDEX turns_by_id ON turns (session_id, turn_id);

CREATE TABLE session_changes (
  session_id       TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  cursor           INTEGER NOT NULL,
  kind             TEXT NOT NULL,
  payload          JSONB NOT NULL,
  safety_flags     JSONB NOT NULL,
  capability_refs  JSONB NOT NULL,
  severity         TEXT,
  created_at       BIGINT NOT NULL,
  PRIMARY KEY (session_id, cursor)
);

CREATE TABLE workflow_runs (
  job_id              TEXT PRIMARY KEY,
  session_id          TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  audit_ref           TEXT NOT NULL,
  run_trigger         TEXT NOT NULL,
  status              TEXT NOT NULL,
  started_at          BIGINT,
  completed_at        BIGINT,
  duration_ms         BIGINT,
  attempts            INTEGER NOT NULL DEFAULT 0,
  summary_version     INTEGER,
  mention_count       INTEGER,
  delta_count         INTEGER,
  publishing_batch_id TEXT,
  publishing_status   TEXT,
  moderation          JSONB,
  error               JSONB,
  created_at          BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL
);
CREATE INDEX workflow_runs_by_session ON workflow_runs (session_id, created_at);

-- Canon artefacts -----------------------------------------------------------------------
CREATE TABLE story_summaries (
  session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  version      INTEGER NOT NULL,
  job_id       TEXT NOT NULL,
  record       JSONB NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (session_id, version)
);
CREATE UNIQUE INDEX story_summaries_by_job ON story_summaries (job_id);

CREATE TABLE entity_mentions (
  mention_id   TEXT PRIMARY KEY,
  session_id   TEXT NOT NULL,
  job_id       TEXT NOT NULL,
  entity_id    TEXT NOT NULL,
  confidence   DOUBLE PRECISION NOT NULL,
  record       JSONB NOT NULL,
  created_at   BIGINT NOT NULL
);
CREATE INDEX entity_mentions_by_job ON entity_mentions (job_id);
CREATE INDEX entity_mentions_by_session ON entity_mentions (session_id);

CREATE TABLE world_meta (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  world_id     TEXT NOT NULL,
  name         TEXT NOT NULL,
  version      INTEGER NOT NULL,
  capabilities JSONB NOT NULL,
  updated_at   BIGINT NOT NULL
);

CREATE TABLE world_entities (
  entity_id       TEXT PRIMARY KEY,
  entity_type     TEXT NOT NULL,
  canonical_name  TEXT NOT NULL,
  record          JSONB NOT NULL,
  revision        INTEGER NOT NULL,
  updated_at      BIGINT NOT NULL
);

CREATE TABLE world_deltas (
  delta_id             TEXT PRIMARY KEY,
  session_id           TEXT NOT NULL,
  job_id               TEXT NOT NULL,
  entity_id            TEXT NOT NULL,
  status               TEXT NOT NULL,
  requires_moderation  INTEGER NOT NULL,
  record               JSONB NOT NULL,
  created_at           BIGINT NOT NULL,
  updated_at           BIGINT NOT NULL,
  applied_at           BIGINT
);
CREATE UNIQUE INDEX world_deltas_one_per_entity ON world_deltas (job_id, entity_id);
CREATE INDEX world_deltas_by_status ON world_deltas (status, created_at);
CREATE INDEX world_deltas_by_session ON world_deltas (session_id);

CREATE TABLE moderation_decisions (
  id          TEXT PRIMARY KEY,
  delta_id    TEXT NOT NULL REFERENCES world_deltas (delta_id),
  decision    TEXT NOT NULL,
  actor       TEXT NOT NULL,
  note        TEXT,
  decided_at  BIGINT NOT NULL
);
CREATE INDEX moderation_decisions_by_delta ON moderation_decisions (delta_id, decided_at);

CREATE TABLE publishing_batches (
  batch_id       TEXT PRIMARY KEY,
  session_id     TEXT NOT NULL,
  job_id         TEXT NOT NULL,
  status         TEXT NOT NULL,
  scheduled_at   BIGINT NOT NULL,
  plan           JSONB NOT NULL,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  published_at   BIGINT
);
CREATE UNIQUE INDEX publishing_batches_by_job ON publishing_batches (job_id);

CREATE TABLE schedule_overrides (
  id            TEXT PRIMARY KEY,
  session_id    TEXT NOT NULL,
  batch_id      TEXT,
  previous_at   BIGINT NOT NULL,
  requested_at  BIGINT NOT NULL,
  actor         TEXT NOT NULL,
  reason        TEXT,
  created_at    BIGINT NOT NULL
);

CREATE TABLE lore_documents (
  doc_id        TEXT PRIMARY KEY,
  kind          TEXT NOT NULL,
  entity_id     TEXT,
  session_id    TEXT NOT NULL,
  batch_id      TEXT NOT NULL,
  title         TEXT NOT NULL,
  body          TEXT NOT NULL,
  version       INTEGER NOT NULL,
  record        JSONB NOT NULL,
  published_at  BIGINT NOT NULL
);
-- Full-text search over published lore. SQLite has an FTS5 table `lore_search (doc_id, title, body)`;
-- here the same table and columns (so inserts and deletes are portable) with a generated tsvector
-- (English stemming, like FTS5's porter tokenizer) and a GIN index. Search with
-- `document @@ websearch_to_tsquery('english', ?)`, rank with `ts_rank(document, ...)`.
CREATE TABLE lore_search (
  doc_id    TEXT NOT NULL,
  title     TEXT NOT NULL,
  body      TEXT NOT NULL,
  document  TSVECTOR GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')) STORED
);
CREATE INDEX lore_search_by_doc ON lore_search (doc_id);
CREATE INDEX lore_search_document ON lore_search USING GIN (document);
