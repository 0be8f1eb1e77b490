-- Digests (issue 20): each kind of digest is made once per period, even
-- with several instances or a restart. A run is claimed by inserting its
-- row; the process that claimed it can take it up again at once, others
-- only once the claim is stale. The e-mails are queued in the transaction
-- that marks the run done, so a run cut short queues none.
CREATE TABLE digest_runs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('learning', 'escalation')),
    period_from TEXT NOT NULL,
    period_to   TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    claimed_by  TEXT NOT NULL,
    error       TEXT,
    UNIQUE (kind, period_from, period_to)
);
