-- Claims take due jobs by (priority DESC, run_at, seq): an index in that order lets a claim read
-- its first rows and stop, instead of sorting the whole backlog every time. It replaces
-- jobs_runnable, which the planner would pick (and then sort) when the table has no statistics.
CREATE INDEX jobs_claim_order ON jobs (priority DESC, run_at, seq) WHERE status IN ('queued','retrying');
DROP INDEX jobs_runnable;
-- Most jobs have no concurrency key: index only those that have one (every write of a job
-- maintains each of its indexes).
DROP INDEX jobs_by_concurrency_key;
CREATE INDEX jobs_by_concurrency_key ON jobs (concurrency_key, seq) WHERE concurrency_key IS NOT NULL;
