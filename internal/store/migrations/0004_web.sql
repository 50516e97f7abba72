-- Browser sign-in: a session per POST /login, kept only as the SHA-256 of
-- its random id. Revoking a token ends its sessions at once (the readers
-- join live tokens); deleting one deletes them.
CREATE TABLE web_sessions (
    hash       bytea PRIMARY KEY,
    token_id   bigint NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_token ON web_sessions (token_id);

-- One address's history across releases (the resource timeline).
CREATE INDEX release_changes_address ON release_changes (address, release_id);
-- A release's application deployments.
CREATE INDEX application_deployments_release ON application_deployments (release_id);
