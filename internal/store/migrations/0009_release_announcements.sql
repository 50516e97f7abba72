-- Issue 18: every change to what a release looks like is announced on
-- shiplog_releases by the database (payload: the release id), as the
-- queue's trigger (0007) announces claimable releases: no writer has to
-- remember to. Notifications are sent at commit, deduplicated within a
-- transaction, and never for a rolled-back write.

CREATE FUNCTION shiplog_release_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- a heartbeat (only the lease's expiry moves) changes nothing a
    -- reader sees
    IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - 'lease_expires_at') = (to_jsonb(NEW) - 'lease_expires_at') THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('shiplog_releases', NEW.id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER releases_announce AFTER INSERT OR UPDATE ON releases
    FOR EACH ROW EXECUTE FUNCTION shiplog_release_notify();

-- A phase's status, times or error.
CREATE FUNCTION shiplog_release_phase_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('shiplog_releases', NEW.release_id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER release_phases_announce AFTER INSERT OR UPDATE ON release_phases
    FOR EACH ROW EXECUTE FUNCTION shiplog_release_phase_notify();

-- Changes are written thousands at a time (COPY): one notification per
-- release per statement, from the statement's transition table.
CREATE FUNCTION shiplog_release_changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('shiplog_releases', id::text) FROM (SELECT DISTINCT release_id AS id FROM changed) c;
    RETURN NULL;
END $$;

CREATE TRIGGER release_changes_announce_insert AFTER INSERT ON release_changes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION shiplog_release_changes_notify();
CREATE TRIGGER release_changes_announce_update AFTER UPDATE ON release_changes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION shiplog_release_changes_notify();

-- Releases deleted (an environment deleted with its history): one
-- notification per statement, payload 0 = "any release may be gone", so
-- every server's release cache forgets them at once.
CREATE FUNCTION shiplog_releases_deleted_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('shiplog_releases', '0');
    RETURN NULL;
END $$;

CREATE TRIGGER releases_announce_delete AFTER DELETE ON releases
    FOR EACH STATEMENT EXECUTE FUNCTION shiplog_releases_deleted_notify();
