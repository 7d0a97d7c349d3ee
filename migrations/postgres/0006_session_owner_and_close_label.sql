-- A session's owner (issue 9): the name of the gm token that created it, or NULL for sessions an
-- operator, `afterword import` or the demo created. A gm works only on sessions it owns and never
-- claims one it does not; the rule is enforced in SQL by the session store. Sessions a gm created
-- before this column existed carried the owner in their metadata (`context.owner`): it moves here.
ALTER TABLE sessions ADD COLUMN owner TEXT;
UPDATE sessions SET owner = context ->> 'owner' WHERE jsonb_typeof(context -> 'owner') = 'string';
CREATE INDEX sessions_by_owner ON sessions (owner, updated_at);
-- The close's actor (`closed_by`) is always the authenticated principal; a label the client sent
-- with the close is kept apart, for display only.
ALTER TABLE sessions ADD COLUMN closed_by_label TEXT;
