-- E-mail bodies compressed with lz4 rather than pglz, the default: a large
-- council's first poll of a day stores and the sender reads back some
-- 600 MB of bodies, and pglz took four times as long to compress them, at
-- the same size. New rows only; those stored before stay as they are.
-- A server built without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE outbox_bodies
        ALTER COLUMN body_text SET COMPRESSION lz4,
        ALTER COLUMN body_html SET COMPRESSION lz4,
        ALTER COLUMN ics SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no lz4: e-mail bodies stay compressed with pglz';
END
$$;
