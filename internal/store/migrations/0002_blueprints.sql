-- Blueprint snapshots: the configuration a release ran, kept so a rollback
-- can re-apply exactly that version. Migration script outcomes per release.

CREATE TABLE blueprints (
    environment_id bigint NOT NULL REFERENCES environments (id),
    version        text NOT NULL,
    archive        bytea NOT NULL,
    sha256         text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (environment_id, version)
);

ALTER TABLE releases ADD COLUMN migration_outcomes jsonb NOT NULL DEFAULT '[]';
