-- The case feed (issue 17).
--
-- Every feed run, and every import by hand, is recorded. refreshed_at is
-- the time of the data a successful run brought in (a folder file's
-- modification time, a command's or query's finish); the newest says how
-- old the data is. A run that found nothing new refreshed nothing.
CREATE TABLE feed_runs (
    id           BIGSERIAL PRIMARY KEY,
    source       TEXT NOT NULL CHECK (source IN ('folder', 'command', 'sql', 'import')),
    name         TEXT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('imported', 'nothing_new', 'rejected', 'failed', 'refused')),
    rows_read    BIGINT NOT NULL DEFAULT 0,
    inserted     BIGINT NOT NULL DEFAULT 0,
    updated      BIGINT NOT NULL DEFAULT 0,
    closed       BIGINT NOT NULL DEFAULT 0,
    refreshed_at TIMESTAMPTZ,
    message      TEXT
);
CREATE INDEX feed_runs_refreshed ON feed_runs (refreshed_at);

-- The day a stage open in casewatch was missing from a complete extract:
-- closed as no longer in the case system, never deleted.
ALTER TABLE case_stages ADD COLUMN left_source_on DATE;

-- E-mails to the complaints team that go once per key (a day's
-- stale-data warning).
CREATE TABLE team_notices (
    key        TEXT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL
);
