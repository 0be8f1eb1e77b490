-- Complaint procedures (issue 18): a kind for landlord complaints, and what
-- the import works out for each stage under its procedure.
ALTER TABLE cases DROP CONSTRAINT cases_kind_check;
ALTER TABLE cases ADD CONSTRAINT cases_kind_check
    CHECK (kind IN ('statutory', 'corporate', 'send', 'adult', 'housing', 'comment', 'compliment'));

-- procedure: the preset the stage was received under; standard_working_days:
-- its working days before any extension; acknowledge_within: working days
-- from receipt to acknowledge; clock_starts: what the response clock
-- counts from.
ALTER TABLE case_stages
    ADD COLUMN procedure TEXT,
    ADD COLUMN standard_working_days INTEGER,
    ADD COLUMN acknowledge_within INTEGER,
    ADD COLUMN clock_starts TEXT NOT NULL DEFAULT 'received'
        CHECK (clock_starts IN ('received', 'acknowledged')),
    ADD COLUMN acknowledged_on DATE;

-- Stages stored before were all counted from receipt under the procedure
-- of their kind; their standard days are set again when next imported.
UPDATE case_stages s SET procedure = CASE c.kind
        WHEN 'statutory' THEN 'children-statutory-2006'
        WHEN 'corporate' THEN 'corporate-2019'
        WHEN 'send' THEN 'send'
        WHEN 'adult' THEN 'adults-2009'
    END
FROM cases c WHERE c.id = s.case_id;
