-- An idempotency key per release: a caller that may ask twice for the same
-- release (a Kubernetes controller, keyed by the custom resource's UID; a
-- restarted or second replica) gets the one release made the first time.
-- NULL for releases made without a key; UNIQUE allows any number of NULLs.
ALTER TABLE releases ADD COLUMN external_key text UNIQUE
    CHECK (external_key IS NULL OR (external_key <> '' AND octet_length(external_key) <= 253));
