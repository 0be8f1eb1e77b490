-- Which process claimed a week's tracker, so the process that claimed it
-- can take it up again at once when it could not record how the run ended
-- (the database went away mid-run); other processes wait until the claim
-- is stale.
ALTER TABLE tracker_runs ADD COLUMN claimed_by TEXT;
