-- The sender's claim looks for a day's e-mails by status and due time.
-- Without this index it read whole rows (bodies and all) to find them, over
-- and over as the day's e-mails went out: time growing with the square of
-- their number.
CREATE INDEX outbox_claim ON outbox (for_day, status, next_attempt_at);
