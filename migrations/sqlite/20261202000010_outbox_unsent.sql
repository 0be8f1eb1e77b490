-- The sender rewrites each e-mail's outbox row twice (claimed, then sent),
-- and every index an update moves a row in costs pages in SQLite's log at
-- each commit: the commits that every connection waits for. `outbox_due`
-- (status, next_attempt_at) moved each e-mail twice, for queries that want
-- either the e-mails not yet sent (expiry: this smaller index, which a sent
-- e-mail leaves) or the failed ones of recent days (`outbox_claim` serves
-- those, by day).
DROP INDEX outbox_due;
CREATE INDEX outbox_unsent ON outbox (for_day) WHERE status IN ('pending', 'sending');
