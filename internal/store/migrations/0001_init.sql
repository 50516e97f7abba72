-- shiplog's first schema: environments, releases with their phases, logs,
-- resource changes, plan files, artifacts, resource status and API tokens.

CREATE TABLE environments (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text NOT NULL UNIQUE,
    namespace         text NOT NULL DEFAULT 'default',
    source            jsonb NOT NULL,
    default_template  text NOT NULL DEFAULT 'terraform-apply',
    approval_required boolean NOT NULL DEFAULT false,
    variables         jsonb NOT NULL DEFAULT '[]',
    phase_timeouts    jsonb NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE releases (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    environment_id      bigint NOT NULL REFERENCES environments (id),
    namespace           text NOT NULL,
    template            text NOT NULL,
    template_namespace  text NOT NULL,
    release_type        text NOT NULL CHECK (release_type IN ('PLAN', 'APPLY', 'DESTROY')),
    deployment_type     text NOT NULL CHECK (deployment_type IN ('REGULAR', 'CUSTOM', 'ROLLBACK')),
    status              text NOT NULL CHECK (status IN ('QUEUED', 'IN_PROGRESS', 'PENDING_APPROVAL', 'SUCCEEDED',
                                                        'FAILED', 'ABORTED', 'REJECTED', 'TIMED_OUT', 'STOPPED')),
    triggered_by        text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    queued_at           timestamptz,
    started_at          timestamptz,
    finished_at         timestamptz,
    blueprint_version   text NOT NULL DEFAULT '',
    targets             text[] NOT NULL DEFAULT '{}',
    error_log           text NOT NULL DEFAULT '',
    approval_required   boolean NOT NULL DEFAULT false,
    approved_by         text,
    approved_at         timestamptz,
    approval_comment    text,
    signoff_status      text CHECK (signoff_status IN ('APPROVED', 'REJECTED')),
    signoff_by          text,
    signoff_at          timestamptz,
    signoff_comment     text,
    summary             jsonb NOT NULL DEFAULT '{}',
    variables           jsonb NOT NULL DEFAULT '[]',
    migration_scripts   jsonb NOT NULL DEFAULT '[]',
    rollback_of         bigint REFERENCES releases (id),
    abort_requested_by  text,
    abort_requested_at  timestamptz,
    lease_owner         text,
    lease_expires_at    timestamptz,
    -- the phase a worker resumes at after an approval
    next_phase          int NOT NULL DEFAULT 0
);

-- The API lists releases of an environment by status, newest first.
CREATE INDEX releases_env_status_id ON releases (environment_id, status, id DESC);
CREATE INDEX releases_env_id ON releases (environment_id, id DESC);
-- Workers take the oldest queued release of a free environment.
CREATE INDEX releases_queued ON releases (environment_id, id) WHERE status = 'QUEUED';
-- At most one active release per environment, whatever the workers do.
CREATE UNIQUE INDEX releases_one_active ON releases (environment_id) WHERE status = 'IN_PROGRESS';
-- Reapers find expired leases.
CREATE INDEX releases_leases ON releases (lease_expires_at) WHERE status = 'IN_PROGRESS';

CREATE TABLE release_phases (
    release_id  bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    idx         int NOT NULL,
    name        text NOT NULL,
    action      text NOT NULL,
    options     jsonb NOT NULL DEFAULT '{}',
    status      text NOT NULL DEFAULT 'PENDING',
    started_at  timestamptz,
    finished_at timestamptz,
    duration_ms bigint,
    error       text NOT NULL DEFAULT '',
    PRIMARY KEY (release_id, idx),
    UNIQUE (release_id, name)
);

-- Log lines are stored in chunks: one row holds a run of consecutive lines
-- of one phase (first_seq .. first_seq + n - 1). seq runs across the whole
-- release, so (release_id, seq) is a cursor. A chunk is written once;
-- writing the same chunk again (a retry after a lost commit) is a no-op.
CREATE TABLE release_log_chunks (
    release_id      bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    first_seq       bigint NOT NULL,
    last_seq        bigint NOT NULL,
    phase           text NOT NULL,
    deployment_type text NOT NULL,
    ts              timestamptz[] NOT NULL,
    streams         text[] NOT NULL,
    texts           text[] NOT NULL,
    PRIMARY KEY (release_id, first_seq),
    CHECK (last_seq >= first_seq)
);
CREATE INDEX release_log_chunks_last ON release_log_chunks (release_id, last_seq);

CREATE TABLE release_changes (
    release_id       bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    phase            text NOT NULL,
    seq              int NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('resource', 'output', 'drift')),
    address          text NOT NULL,
    previous_address text,
    module_address   text,
    mode             text NOT NULL DEFAULT '',
    type             text NOT NULL DEFAULT '',
    name             text NOT NULL DEFAULT '',
    index            json,
    provider         text NOT NULL DEFAULT '',
    deposed_key      text NOT NULL DEFAULT '',
    action           text NOT NULL,
    replace_order    text NOT NULL DEFAULT '',
    modification     text NOT NULL DEFAULT '',
    action_reason    text,
    import_id        text,
    replace_paths    json,
    -- written by shiplog from its own JSON encoder and read back whole:
    -- kept as text, so the server does not parse it on every ingestion
    fields           text NOT NULL DEFAULT '[]',
    PRIMARY KEY (release_id, phase, seq)
);
-- Filters (kind, action, type, module, address prefix) run within one
-- release's rows, found by the primary key: no further index to feed on
-- every ingestion.

CREATE TABLE plan_files (
    release_id bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    phase      text NOT NULL,
    data       bytea NOT NULL,
    sha256     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (release_id, phase)
);

CREATE TABLE artifacts (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    artifact_uri          text NOT NULL,
    build_id              text NOT NULL DEFAULT '',
    stack_name            text NOT NULL DEFAULT '',
    app_name              text NOT NULL DEFAULT '',
    registration_metadata jsonb NOT NULL DEFAULT '{}',
    created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX artifacts_app ON artifacts (app_name, stack_name, id DESC);
CREATE INDEX artifacts_build ON artifacts (build_id);

CREATE TABLE release_artifacts (
    release_id  bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    artifact_id bigint NOT NULL REFERENCES artifacts (id),
    position    int NOT NULL,
    PRIMARY KEY (release_id, artifact_id)
);

CREATE TABLE application_deployments (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    release_id     bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    environment_id bigint NOT NULL REFERENCES environments (id),
    artifact_id    bigint NOT NULL REFERENCES artifacts (id),
    deployed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_deployments_env ON application_deployments (environment_id, id DESC);

CREATE TABLE resource_status (
    environment_id            bigint NOT NULL REFERENCES environments (id),
    address                   text NOT NULL,
    current_blueprint_version text NOT NULL DEFAULT '',
    live_blueprint_version    text NOT NULL DEFAULT '',
    current_artifact_url      text NOT NULL DEFAULT '',
    live_artifact_url         text NOT NULL DEFAULT '',
    sync_status               text NOT NULL CHECK (sync_status IN ('IN_SYNC', 'OUT_OF_SYNC')),
    release_status            text NOT NULL CHECK (release_status IN ('QUEUED', 'FAILED', 'IN_PROGRESS', 'COMPLETED')),
    health_status             text NOT NULL DEFAULT 'UNKNOWN'
        CHECK (health_status IN ('HEALTHY', 'PROGRESSING', 'DEGRADED', 'SUSPENDED', 'MISSING', 'UNKNOWN')),
    last_release_id           bigint REFERENCES releases (id),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, address)
);

CREATE TABLE api_tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    hash       bytea NOT NULL UNIQUE,
    scopes     text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
