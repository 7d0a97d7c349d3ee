-- What an outbox row needs besides its kind and job (owned by src/temporal/temporal-outbox-store.ts):
-- a `reset` row (an operator's re-run from a step on the Temporal engine) carries the step and the
-- actor, as JSON text. NULL for the other kinds.
ALTER TABLE temporal_outbox ADD COLUMN detail TEXT;
