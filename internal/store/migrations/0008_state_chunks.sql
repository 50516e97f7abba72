-- State versions stored in sealed chunks (internal/store/states.go): the
-- state backend streams a state into the database without ever holding it
-- whole, and reads it back the same way. A version written before keeps its
-- one sealed_state; a chunked one has sealed_state NULL, its chunks here in
-- order, and the MD5 of the whole document (terraform's Content-MD5).

ALTER TABLE state_versions ALTER COLUMN sealed_state DROP NOT NULL;
ALTER TABLE state_versions ADD COLUMN md5 bytea;

CREATE TABLE state_version_chunks (
    state_version_id bigint NOT NULL REFERENCES state_versions (id) ON DELETE CASCADE,
    n                integer NOT NULL,
    -- sealed: the chunk's index (8 bytes, big-endian) and at most 1 MiB of the state
    sealed           bytea NOT NULL,
    PRIMARY KEY (state_version_id, n)
);
