-- Moderation at a studio's scale (issue 11).
-- Deltas are filtered by reason and confidence tier in SQL (bulk decisions, contested entities),
-- so those leave the JSON record for columns. `reasons` is comma-delimited with a leading and a
-- trailing comma (',hedged,low_confidence,'), so one reason is matched with LIKE '%,hedged,%'.
ALTER TABLE world_deltas ADD COLUMN reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE world_deltas ADD COLUMN confidence DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE world_deltas ADD COLUMN confidence_tier TEXT NOT NULL DEFAULT 'low';
UPDATE world_deltas SET
  confidence = COALESCE((record->>'confidence')::double precision, 0),
  confidence_tier = COALESCE(record->>'confidenceTier', 'low'),
  reasons = COALESCE((SELECT ',' || string_agg(v, ',') || ',' FROM jsonb_array_elements_text(record->'safety'->'reasons') v), '');
-- Keyset pagination of the delta list (newest first).
CREATE INDEX world_deltas_by_created ON world_deltas (created_at, delta_id);
CREATE INDEX world_deltas_by_job ON world_deltas (job_id, created_at);

-- How a decision was made: null for one delta, 'bulk:<id>', 'contested:<entity>', 'policy:<rule>'.
-- Each delta a bulk or contested decision covers still gets its own row (the audit record).
ALTER TABLE moderation_decisions ADD COLUMN via TEXT;

-- Alert lifecycle: an alert names its cause (`cause_key`, e.g. 'batch:<id>:moderation'); at most
-- one unresolved alert per cause, and the alert is resolved when the cause is (delta decided,
-- batch published, job completed). `escalation_level` counts the escalations re-sent.
ALTER TABLE alerts ADD COLUMN cause_key TEXT;
ALTER TABLE alerts ADD COLUMN resolved_at BIGINT;
ALTER TABLE alerts ADD COLUMN resolution TEXT;
ALTER TABLE alerts ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN updated_at BIGINT;
CREATE UNIQUE INDEX alerts_one_open_per_cause ON alerts (cause_key) WHERE resolved_at IS NULL;
CREATE INDEX alerts_by_resolution ON alerts (resolved_at, created_at);

-- A batch whose moderation window closed with deltas undecided publishes what is decided and
-- carries the rest to a follow-up batch: `delta_ids` (JSON list) names a batch's deltas when it
-- is not simply all of its job's deltas, `carried_from` the batch it continues.
ALTER TABLE publishing_batches ADD COLUMN delta_ids JSONB;
ALTER TABLE publishing_batches ADD COLUMN carried_from TEXT;
CREATE INDEX publishing_batches_by_status ON publishing_batches (status, scheduled_at);
