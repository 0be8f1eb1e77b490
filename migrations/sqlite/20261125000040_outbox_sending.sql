-- What the sender needs to go fast through a large day.
--
-- Bodies move to a table of their own: the sender updates each outbox row
-- twice (claimed, then sent), and SQLite rewrites a whole row on any
-- update, bodies (megabytes, for a long list of cases) included.
CREATE TABLE outbox_bodies (
    outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    ics       TEXT
);
INSERT INTO outbox_bodies (outbox_id, body_text, body_html, ics)
    SELECT id, body_text, body_html, ics FROM outbox;
ALTER TABLE outbox DROP COLUMN body_text;
ALTER TABLE outbox DROP COLUMN body_html;
ALTER TABLE outbox DROP COLUMN ics;

-- The claim takes a day's pending e-mails in the order they fell due: in
-- this index's order, so it reads only the rows it takes, not every one of
-- the day's e-mails each time.
CREATE INDEX outbox_claim ON outbox (for_day, status, next_attempt_at, id);
