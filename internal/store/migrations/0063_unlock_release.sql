-- Unlock state as a release of its own (issue 24): an admin releases a
-- state lock shiplog holds for a release (terraform force-unlock's job,
-- since shiplog is the backend), and the act is kept as a finished UNLOCK
-- release of the environment: who (triggered_by), why and which lock
-- (unlocked_lock: the lock's id, holding release, operation and age, and
-- the reason given).
ALTER TABLE releases DROP CONSTRAINT releases_release_type_check;
ALTER TABLE releases ADD CONSTRAINT releases_release_type_check
    CHECK (release_type IN ('PLAN', 'APPLY', 'DESTROY', 'SELECTIVE', 'UNLOCK'));
ALTER TABLE releases ADD COLUMN unlocked_lock jsonb;
