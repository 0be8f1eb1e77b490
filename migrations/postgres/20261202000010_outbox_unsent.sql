-- Kept in step with migrations/sqlite, where `outbox_due` gives way to a
-- smaller index. PostgreSQL writes a new entry in every index for each
-- updated row either way, and its planner uses `outbox_due` to find the
-- e-mails being sent: nothing to change.
SELECT 1;
