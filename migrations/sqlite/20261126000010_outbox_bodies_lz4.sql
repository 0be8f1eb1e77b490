-- Kept in step with migrations/postgres, where e-mail bodies are now
-- compressed with lz4. SQLite does not compress them: nothing to change.
SELECT 1;
