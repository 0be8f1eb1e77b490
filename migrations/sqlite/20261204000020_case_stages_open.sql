-- Every query that filters stages by their dates reads most of the table:
-- the poll's open stages, the tracker's open and recently answered ones,
-- the report's period. This index served none of them, and SQLite's
-- planner, taking it for a short cut, read the stages through it row by
-- row out of order, several times slower than reading the table through.
DROP INDEX case_stages_open;
