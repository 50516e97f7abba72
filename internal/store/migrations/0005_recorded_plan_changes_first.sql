-- A recorded plan (store.RecordPlan) is created already finished, in its
-- outcome (SUCCEEDED or FAILED), which is known only once its changes have
-- been read: its changes are written first, under the release id it will
-- have, and the release row after them, in one transaction. The foreign
-- key may therefore wait for the commit when a transaction asks for it
-- (SET CONSTRAINTS ... DEFERRED); every other writer is checked at once,
-- as before.
ALTER TABLE release_changes ALTER CONSTRAINT release_changes_release_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
