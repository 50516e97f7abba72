-- What an apply left behind, and resource status that can be put back.

-- A change whose fields carry the values the apply wrote to the state
-- (each field's "applied" member), next to the planned ones.
ALTER TABLE release_changes ADD COLUMN applied boolean NOT NULL DEFAULT false;

-- The output values of an environment as its last successful apply left
-- them. A sensitive output's value is never stored.
CREATE TABLE environment_outputs (
    environment_id bigint NOT NULL REFERENCES environments (id),
    name           text NOT NULL,
    value          jsonb,
    type           jsonb,
    sensitive      boolean NOT NULL,
    release_id     bigint NOT NULL REFERENCES releases (id),
    PRIMARY KEY (environment_id, name)
);

-- The addresses (or module prefixes) a release's artifact deploys to: only
-- those resources get its URL as their artifact.
ALTER TABLE release_artifacts ADD COLUMN deploys_to text[] NOT NULL DEFAULT '{}';

-- A resource's status as it was before a release first touched it, so
-- that a release that ends without applying (rejected, aborted, timed out,
-- stopped, failed) puts it back. existed = false: the row did not exist.
CREATE TABLE resource_status_prior (
    release_id                bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    environment_id            bigint NOT NULL REFERENCES environments (id),
    address                   text NOT NULL,
    existed                   boolean NOT NULL,
    current_blueprint_version text NOT NULL DEFAULT '',
    live_blueprint_version    text NOT NULL DEFAULT '',
    current_artifact_url      text NOT NULL DEFAULT '',
    live_artifact_url         text NOT NULL DEFAULT '',
    sync_status               text NOT NULL DEFAULT 'IN_SYNC',
    release_status            text NOT NULL DEFAULT 'COMPLETED',
    last_release_id           bigint,
    updated_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (release_id, address)
);
