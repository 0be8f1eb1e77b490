-- no-transaction
-- Complaint procedures (issue 18): a kind for landlord complaints, and what
-- the import works out for each stage under its procedure.
--
-- SQLite cannot change a CHECK constraint in place, so `cases` is rebuilt
-- the way SQLite's documentation sets out (ALTER TABLE, "making other
-- kinds of table schema changes"): with foreign keys off, or dropping the
-- old table would delete every stage through ON DELETE CASCADE. That
-- pragma cannot change inside a transaction, so this migration runs
-- outside sqlx's and opens its own.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE cases_new (
    id            INTEGER PRIMARY KEY,
    reference     TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('statutory', 'corporate', 'send', 'adult', 'housing', 'comment', 'compliment')),
    category      TEXT,
    team          TEXT NOT NULL,
    manager_email TEXT NOT NULL REFERENCES staff (email) ON UPDATE CASCADE,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
INSERT INTO cases_new (id, reference, kind, category, team, manager_email, created_at, updated_at)
    SELECT id, reference, kind, category, team, manager_email, created_at, updated_at FROM cases;
DROP TABLE cases;
ALTER TABLE cases_new RENAME TO cases;

-- procedure: the preset the stage was received under; standard_working_days:
-- its working days before any extension; acknowledge_within: working days
-- from receipt to acknowledge; clock_starts: what the response clock
-- counts from.
ALTER TABLE case_stages ADD COLUMN procedure TEXT;
ALTER TABLE case_stages ADD COLUMN standard_working_days INTEGER;
ALTER TABLE case_stages ADD COLUMN acknowledge_within INTEGER;
ALTER TABLE case_stages ADD COLUMN clock_starts TEXT NOT NULL DEFAULT 'received'
    CHECK (clock_starts IN ('received', 'acknowledged'));
ALTER TABLE case_stages ADD COLUMN acknowledged_on TEXT;

-- Stages stored before were all counted from receipt under the procedure
-- of their kind; their standard days are set again when next imported.
UPDATE case_stages SET procedure = (
    SELECT CASE c.kind
        WHEN 'statutory' THEN 'children-statutory-2006'
        WHEN 'corporate' THEN 'corporate-2019'
        WHEN 'send' THEN 'send'
        WHEN 'adult' THEN 'adults-2009'
    END
    FROM cases c WHERE c.id = case_stages.case_id);

COMMIT;
PRAGMA foreign_keys = ON;
