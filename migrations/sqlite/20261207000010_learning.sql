-- The reasons-and-learning loop (issue 20).
--
-- Learning from an upheld complaint, with the action it leads to: every
-- entry kept, from the form, the command line or an import, never
-- overwritten. case_stages.learning stays the case system's latest text.
CREATE TABLE learning (
    id            INTEGER PRIMARY KEY,
    stage_id      INTEGER NOT NULL REFERENCES case_stages (id) ON DELETE CASCADE,
    text          TEXT NOT NULL,
    action        TEXT,
    action_owner  TEXT,
    action_due_on TEXT,
    given_by      TEXT,
    given_at      TEXT NOT NULL,
    via           TEXT NOT NULL CHECK (via IN ('web', 'cli', 'import'))
);
CREATE INDEX learning_stage ON learning (stage_id);
CREATE INDEX learning_action_due ON learning (action_due_on) WHERE action_due_on IS NOT NULL;

INSERT INTO learning (stage_id, text, given_at, via)
SELECT id, TRIM(learning), updated_at, 'import' FROM case_stages
WHERE learning IS NOT NULL AND TRIM(learning) <> '';
