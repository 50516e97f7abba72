-- Schedules (issue 24): a cron expression in a time zone queues a release
-- of an environment with a template. next_at is when it fires next: the
-- scheduler fires a schedule whose next_at has passed once, however many
-- ticks it missed, and sets next_at to the first tick after that.
CREATE TABLE schedules (
    id              bigserial PRIMARY KEY,
    environment_id  bigint NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    name            text NOT NULL,
    cron            text NOT NULL,
    time_zone       text NOT NULL DEFAULT 'UTC',
    template        text NOT NULL,
    enabled         boolean NOT NULL DEFAULT true,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    next_at         timestamptz NOT NULL,
    -- the release it last queued, and when it last came due (queued or
    -- skipped, and why it skipped)
    last_release_id bigint REFERENCES releases (id) ON DELETE SET NULL,
    last_fired_at   timestamptz,
    last_skip       text NOT NULL DEFAULT '',
    UNIQUE (environment_id, name)
);

CREATE INDEX schedules_due ON schedules (next_at) WHERE enabled;

-- Drift found by a scheduled plan: the resources whose plan changes them
-- (any action but no-op and read) or that terraform saw changed outside it
-- (resource_drift, kind 'drift'). They are OUT_OF_SYNC with the release
-- that found it until a later successful apply touches them (store
-- RecordResourceStatus clears it) or a later scheduled plan no longer sees
-- it.
ALTER TABLE resource_status ADD COLUMN drift_release_id bigint;
ALTER TABLE resource_status ADD COLUMN drifted_at timestamptz;

-- A scheduled release (its idempotency key is the scheduler's,
-- schedule/<id>/<tick>) of type PLAN that succeeds records its drift on
-- the resource status in the same transaction, and queues
-- release.drift_detected when it found some that migration 0051's trigger
-- did not announce (changes of kind 'drift' announce themselves).
CREATE FUNCTION shiplog_schedule_drift() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    WITH drifted AS (
        SELECT DISTINCT address FROM release_changes
        WHERE release_id = NEW.id
          AND ((kind = 'resource' AND action NOT IN ('no-op', 'read')) OR kind = 'drift'))
    UPDATE resource_status rs SET
        sync_status = 'OUT_OF_SYNC',
        drift_release_id = NEW.id,
        drifted_at = now(),
        updated_at = now()
    FROM drifted d WHERE rs.environment_id = NEW.environment_id AND rs.address = d.address;
    GET DIAGNOSTICS n = ROW_COUNT;
    -- what an earlier scheduled plan saw and this one no longer does
    UPDATE resource_status rs SET
        drift_release_id = NULL,
        drifted_at = NULL,
        sync_status = CASE WHEN rs.live_blueprint_version = rs.current_blueprint_version
            AND rs.live_artifact_url = rs.current_artifact_url THEN 'IN_SYNC' ELSE 'OUT_OF_SYNC' END,
        updated_at = now()
    WHERE rs.environment_id = NEW.environment_id AND rs.drift_release_id IS NOT NULL
      AND rs.drift_release_id <> NEW.id;
    IF n > 0 AND NOT EXISTS (SELECT 1 FROM release_changes WHERE release_id = NEW.id AND kind = 'drift') THEN
        PERFORM shiplog_webhook_enqueue(NEW, 'release.drift_detected');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER releases_schedule_drift AFTER UPDATE OF status ON releases
    FOR EACH ROW WHEN (NEW.status = 'SUCCEEDED' AND OLD.status <> 'SUCCEEDED'
        AND NEW.release_type = 'PLAN' AND NEW.external_key LIKE 'schedule/%')
    EXECUTE FUNCTION shiplog_schedule_drift();
