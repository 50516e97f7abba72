-- Terraform state kept by shiplog's own http backend (worker/backend.go,
-- internal/statebackend): one row per version written, keyed by environment
-- id, the state sealed with the variables' AES-GCM key. Locks are per
-- environment and name the release that holds them.

CREATE TABLE state_versions (
    id             bigserial PRIMARY KEY,
    environment_id bigint NOT NULL REFERENCES environments (id),
    serial         bigint NOT NULL,
    lineage        text NOT NULL,
    release_id     bigint REFERENCES releases (id) ON DELETE SET NULL,
    source         text NOT NULL DEFAULT 'backend',
    size_bytes     bigint NOT NULL,
    resources      integer NOT NULL,
    sealed_state   bytea NOT NULL,
    -- the sensitive values the writing release knew, sealed: a later release
    -- masks them while this state may still hold them (rotated secrets)
    sealed_secrets bytea,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX state_versions_environment ON state_versions (environment_id, id DESC);

CREATE TABLE state_locks (
    environment_id bigint PRIMARY KEY REFERENCES environments (id),
    lock_id        text NOT NULL,
    release_id     bigint REFERENCES releases (id) ON DELETE CASCADE,
    info           jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX state_locks_release ON state_locks (release_id);

-- The one-time import of a pg-backend schema (shiplog_state_<name>).
CREATE TABLE state_imports (
    environment_id bigint PRIMARY KEY REFERENCES environments (id),
    schema_name    text NOT NULL,
    outcome        text NOT NULL,
    imported_at    timestamptz NOT NULL DEFAULT now()
);
