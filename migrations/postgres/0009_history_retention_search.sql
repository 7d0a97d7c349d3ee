-- Canon history, retention and the search port (issue 11).

-- Checkpoints keep references, not copies: the extract step's checkpoint no longer carries its
-- mentions, so the deltas step reads them back from here in extraction order (the last control
-- change of an entity wins, so order matters).
ALTER TABLE entity_mentions ADD COLUMN ordinal INTEGER NOT NULL DEFAULT 0;

-- Pruning finished jobs reads them by completion time (never the unfinished ones).
CREATE INDEX jobs_finished ON jobs (completed_at) WHERE status IN ('completed','failed','cancelled');

-- What the search index holds: one row per indexed document with the version indexed. The search
-- drift check compares it with what was published (lore_documents); a retry re-indexes.
CREATE TABLE lore_index_entries (
  doc_id      TEXT PRIMARY KEY,
  version     INTEGER NOT NULL,
  indexed_at  BIGINT NOT NULL
);
INSERT INTO lore_index_entries (doc_id, version, indexed_at)
  SELECT d.doc_id, d.version, d.published_at FROM lore_documents d
  WHERE EXISTS (SELECT 1 FROM lore_search s WHERE s.doc_id = d.doc_id);

-- World canon keeps its history. `imported` is the entity as the last world file said it, so a
-- re-import can tell a field the file edited from one the pipeline changed since.
ALTER TABLE world_entities ADD COLUMN imported JSONB;
UPDATE world_entities SET imported = record;
-- One row per changed field: by an import (source 'import') or by an applied delta (source
-- 'delta', with the delta, its session and who approved it).
CREATE TABLE world_entity_changes (
  id             TEXT PRIMARY KEY,
  entity_id      TEXT NOT NULL,
  field          TEXT NOT NULL,
  before_value   JSONB,
  after_value    JSONB,
  source         TEXT NOT NULL CHECK (source IN ('import','delta')),
  delta_id       TEXT,
  session_id     TEXT,
  approved_by    TEXT,
  world_version  INTEGER NOT NULL,
  changed_at     BIGINT NOT NULL
);
CREATE INDEX world_entity_changes_by_entity ON world_entity_changes (entity_id, changed_at, id);
