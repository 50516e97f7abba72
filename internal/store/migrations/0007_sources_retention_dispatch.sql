-- Issue 14: configuration sources, retention and dispatch.

-- Where a blueprint came from: a directory snapshot, a git commit, or an
-- archive uploaded through the API; commit_sha for git.
ALTER TABLE blueprints ADD COLUMN origin text NOT NULL DEFAULT 'dir' CHECK (origin IN ('dir', 'git', 'upload'));
ALTER TABLE blueprints ADD COLUMN commit_sha text NOT NULL DEFAULT '';
-- An environment whose source is "upload" runs its newest upload.
CREATE INDEX blueprints_uploads ON blueprints (environment_id, created_at DESC) WHERE origin = 'upload';

-- The git commit a release ran, and when retention removed its logs,
-- plan files and changes (the release row itself is kept).
ALTER TABLE releases ADD COLUMN source_commit text NOT NULL DEFAULT '';
ALTER TABLE releases ADD COLUMN pruned_at timestamptz;

-- The release list (store.ListReleases) reads ids newest first by
-- (-id): an order only these indexes give, so the planner cannot take a
-- backward scan of the primary key that filters every other row instead
-- (it did, at 100,000 releases: 50,000 rows read for a page of 50).
CREATE INDEX releases_list_env_status ON releases (environment_id, status, (-id));
CREATE INDEX releases_list_status ON releases (status, (-id));
CREATE INDEX releases_list_env ON releases (environment_id, (-id));

-- Dispatch: workers LISTEN on shiplog_queue and wake when a release may
-- have become claimable: one was queued (created or approved), or an
-- environment's active release left IN_PROGRESS / PENDING_APPROVAL. The
-- payload is the environment id. Notifications are sent at commit.
CREATE FUNCTION shiplog_queue_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('shiplog_queue', NEW.environment_id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER releases_queued_insert AFTER INSERT ON releases
    FOR EACH ROW WHEN (NEW.status = 'QUEUED') EXECUTE FUNCTION shiplog_queue_notify();
CREATE TRIGGER releases_queue_moves AFTER UPDATE OF status ON releases
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                       AND (NEW.status = 'QUEUED' OR OLD.status IN ('IN_PROGRESS', 'PENDING_APPROVAL')))
    EXECUTE FUNCTION shiplog_queue_notify();
