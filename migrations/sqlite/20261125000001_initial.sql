-- casewatch schema, SQLite flavour. Keep in step with migrations/postgres.
-- Dates are civil dates as TEXT 'YYYY-MM-DD'; timestamps are UTC RFC 3339 TEXT.

CREATE TABLE staff (
    id               INTEGER PRIMARY KEY,
    email            TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    team             TEXT NOT NULL,
    escalation_email TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE cases (
    id            INTEGER PRIMARY KEY,
    reference     TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('statutory', 'corporate', 'send', 'adult', 'comment', 'compliment')),
    category      TEXT,
    team          TEXT NOT NULL,
    manager_email TEXT NOT NULL REFERENCES staff (email) ON UPDATE CASCADE,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- One row per stage of a complaint; comments and compliments have one row
-- with stage 0. A stage is withdrawn when its outcome is 'withdrawn'.
CREATE TABLE case_stages (
    id                   INTEGER PRIMARY KEY,
    case_id              INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    stage                INTEGER NOT NULL CHECK (stage BETWEEN 0 AND 3),
    received_on          TEXT NOT NULL,
    working_days_allowed INTEGER CHECK (working_days_allowed > 0),
    extension_reason     TEXT,
    agreed_response_on   TEXT,
    responded_on         TEXT,
    outcome              TEXT CHECK (outcome IN ('upheld', 'partially_upheld', 'not_upheld', 'withdrawn')),
    learning             TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    UNIQUE (case_id, stage)
);
CREATE INDEX case_stages_open ON case_stages (responded_on, received_on);

CREATE TABLE delay_reasons (
    id                   INTEGER PRIMARY KEY,
    stage_id             INTEGER NOT NULL REFERENCES case_stages (id) ON DELETE CASCADE,
    category             TEXT NOT NULL,
    text                 TEXT NOT NULL,
    expected_response_on TEXT,
    given_by             TEXT,
    given_at             TEXT NOT NULL,
    via                  TEXT NOT NULL CHECK (via IN ('web', 'cli', 'import'))
);
CREATE INDEX delay_reasons_stage ON delay_reasons (stage_id);

-- Emails waiting to go, going, sent or failed. dedupe_key makes a reminder
-- unique (stage, kind, deadline), so polling twice adds nothing.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT NOT NULL UNIQUE,
    stage_id        INTEGER REFERENCES case_stages (id) ON DELETE SET NULL,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    cc              TEXT,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_by      TEXT,
    claimed_until   TEXT,
    last_reply      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- One weekly tracker per ISO week ('2026-W48').
CREATE TABLE tracker_runs (
    id          INTEGER PRIMARY KEY,
    iso_week    TEXT NOT NULL UNIQUE,
    as_of       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    error       TEXT
);
