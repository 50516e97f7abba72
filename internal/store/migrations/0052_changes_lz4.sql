-- A plan's changes carry their field-level values as one JSON text per
-- change (often past the 2 kB TOAST threshold). lz4 compresses them several
-- times faster than the default pglz, which was a sixth of a 10,000-change
-- plan's ingestion (BenchmarkIngestPlan). A server built without lz4 keeps
-- pglz: the column still works, only slower.
DO $$
BEGIN
    ALTER TABLE release_changes ALTER COLUMN fields SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available in this PostgreSQL build; release_changes.fields keeps pglz';
END $$;
