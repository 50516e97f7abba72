-- Plan ingestion at less cost (issue 20): the three statement triggers
-- that follow an insert of changes (the release check of 0064, the
-- announcement of 0009, the drift webhook of 0051) each read the
-- statement's transition table, 10,000 rows for a large plan; one trigger
-- now reads it once, grouped by release, and does all three.
DROP TRIGGER release_changes_announce_insert ON release_changes;
DROP TRIGGER release_changes_drift_webhooks ON release_changes;
DROP TRIGGER release_changes_release_check ON release_changes;
DROP FUNCTION shiplog_webhook_drift();
DROP FUNCTION shiplog_release_changes_check();

CREATE FUNCTION shiplog_release_changes_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
    drifted bigint[];
    missing bigint;
    recording text := current_setting('shiplog.recording_release', true);
BEGIN
    SELECT array_agg(release_id), array_agg(release_id) FILTER (WHERE drift) INTO ids, drifted
    FROM (SELECT release_id, bool_or(kind = 'drift') AS drift FROM changed GROUP BY release_id) c;

    -- The foreign key's guarantee (0064): the releases are locked as the
    -- key's check locks them, and one that is missing fails the insert,
    -- but for the release RecordPlan inserts later in this transaction.
    PERFORM 1 FROM releases r WHERE r.id = ANY (ids) FOR KEY SHARE;
    SELECT c.id INTO missing FROM unnest(ids) AS c(id)
    WHERE c.id::text IS DISTINCT FROM recording
      AND NOT EXISTS (SELECT 1 FROM releases r WHERE r.id = c.id)
    LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "release_changes" violates foreign key constraint "release_changes_release_id_check"'
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (release_id)=(%s) is not present in table "releases".', missing);
    END IF;

    -- Every server's release cache hears of the changed releases (0009).
    PERFORM pg_notify('shiplog_releases', c.id::text) FROM unnest(ids) AS c(id);

    -- A plan that found drift tells its subscribers (0051).
    PERFORM shiplog_webhook_enqueue(r, 'release.drift_detected') FROM releases r WHERE r.id = ANY (drifted);
    RETURN NULL;
END $$;

CREATE TRIGGER release_changes_inserted AFTER INSERT ON release_changes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION shiplog_release_changes_inserted();

-- An address's history (store.ResourceHistory) lists only the changes that
-- change something: the index on every change's address cost an insert
-- per no-op too, most of a large plan's changes. It now holds what the
-- history reads, with the history's own condition.
DROP INDEX release_changes_address;
CREATE INDEX release_changes_history ON release_changes (address, release_id)
    WHERE kind = 'resource' AND action NOT IN ('no-op', 'read');
