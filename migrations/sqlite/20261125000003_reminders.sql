-- Reminders and the e-mails that carry them. Replaces the first outbox,
-- which nothing wrote to: a reminder (stage, kind, deadline) is now its own
-- row, and one e-mail may carry several (one per recipient per day).

DROP TABLE outbox;

-- One row per e-mail: pending, sending (claimed by a sender until
-- claimed_until), sent, failed (permanently, or out of attempts) or expired
-- (its day passed unsent; its reminders were released for the next poll).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    for_day         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    cc              TEXT,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    ics             TEXT,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'expired')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_by      TEXT,
    claimed_until   TEXT,
    last_reply      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- One row per reminder. The key (stage, kind, deadline) makes a poll, a
-- repeated poll or a second poller record each reminder once.
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY,
    stage_id   INTEGER NOT NULL REFERENCES case_stages (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    due_on     TEXT NOT NULL,
    for_day    TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    outbox_id  INTEGER REFERENCES outbox (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    UNIQUE (stage_id, kind, due_on)
);
CREATE INDEX reminders_outbox ON reminders (outbox_id);
