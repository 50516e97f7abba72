-- A release whose plan found drift (resource_drift: objects changed outside
-- Terraform, stored as changes of kind 'drift') tells its subscribers:
-- release.drift_detected, once per statement that stores such changes.
CREATE FUNCTION shiplog_webhook_drift() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM shiplog_webhook_enqueue(r, 'release.drift_detected')
    FROM releases r WHERE r.id IN (SELECT DISTINCT release_id FROM changed WHERE kind = 'drift');
    RETURN NULL;
END $$;

CREATE TRIGGER release_changes_drift_webhooks AFTER INSERT ON release_changes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION shiplog_webhook_drift();
