-- Pausing an environment (issue 24): its queued releases wait, in order,
-- until it is resumed; the claim skips paused environments. Who paused it,
-- when and why are shown with the waiting releases.
ALTER TABLE environments ADD COLUMN paused_at timestamptz;
ALTER TABLE environments ADD COLUMN paused_by text NOT NULL DEFAULT '';
ALTER TABLE environments ADD COLUMN paused_reason text NOT NULL DEFAULT '';

-- Resuming may make its queued releases claimable: wake the workers as a
-- newly queued release does (migration 0007's channel and payload).
CREATE FUNCTION shiplog_environment_resume_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('shiplog_queue', NEW.id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER environments_resume AFTER UPDATE OF paused_at ON environments
    FOR EACH ROW WHEN (OLD.paused_at IS NOT NULL AND NEW.paused_at IS NULL)
    EXECUTE FUNCTION shiplog_environment_resume_notify();
