-- A job may wait for a signal (a publishing batch held for moderation waits for the decision that
-- opens its gate): `awaiting_signal` names it while the job waits; `last_signal` and
-- `last_signal_at` remember the latest one delivered, so a signal that arrives while a step is
-- deciding to wait is not lost.
ALTER TABLE jobs ADD COLUMN awaiting_signal TEXT;
ALTER TABLE jobs ADD COLUMN last_signal TEXT;
ALTER TABLE jobs ADD COLUMN last_signal_at INTEGER;
-- A session's workflow run history is read from its closure jobs now; the mirror table, rewritten
-- on every transition, goes.
DROP TABLE workflow_runs;
