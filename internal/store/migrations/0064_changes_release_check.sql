-- Plan ingestion at less cost (issue 20). The foreign key from
-- release_changes to releases checked every row of a COPY on its own (one
-- lookup and row lock each): half the database's time for a 10,000-change
-- plan, all for one release. It is replaced by the same guarantee, kept
-- once per statement:
--
-- * an insert of changes locks their releases FOR KEY SHARE (as the
--   foreign key's check does, so a release cannot be deleted until the
--   insert commits) and fails with foreign_key_violation when one is
--   missing. RecordPlan writes the changes of a release it inserts later
--   in the same transaction: it names that release in the transaction's
--   setting shiplog.recording_release, which no other transaction sees.
-- * deleting releases deletes their changes (what ON DELETE CASCADE did).
ALTER TABLE release_changes DROP CONSTRAINT release_changes_release_id_fkey;

CREATE FUNCTION shiplog_release_changes_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
    recording text := current_setting('shiplog.recording_release', true);
BEGIN
    PERFORM 1 FROM releases r WHERE r.id IN (SELECT DISTINCT release_id FROM changed) FOR KEY SHARE;
    SELECT c.release_id INTO missing FROM (SELECT DISTINCT release_id FROM changed) c
    WHERE c.release_id::text IS DISTINCT FROM recording
      AND NOT EXISTS (SELECT 1 FROM releases r WHERE r.id = c.release_id)
    LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "release_changes" violates foreign key constraint "release_changes_release_id_check"'
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (release_id)=(%s) is not present in table "releases".', missing);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER release_changes_release_check AFTER INSERT ON release_changes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION shiplog_release_changes_check();

CREATE FUNCTION shiplog_releases_delete_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM release_changes WHERE release_id IN (SELECT id FROM gone);
    RETURN NULL;
END $$;

CREATE TRIGGER releases_delete_changes AFTER DELETE ON releases
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION shiplog_releases_delete_changes();
