-- Per-environment roles (issue 23): a binding gives a user (the name the
-- identity provider signs in), a group (from the provider's groups claim)
-- or an API token (by name) a role on the environments whose names match a
-- pattern ('*' is all of them, 'prod-*' a shell pattern, 'staging' one).
-- A token's scopes still count as roles on every environment; bindings add
-- to them.
CREATE TABLE role_bindings (
    id           bigserial PRIMARY KEY,
    subject_kind text NOT NULL CHECK (subject_kind IN ('user', 'group', 'token')),
    subject      text NOT NULL CHECK (subject <> ''),
    role         text NOT NULL CHECK (role IN ('viewer', 'deployer', 'approver', 'admin')),
    environment  text NOT NULL CHECK (environment <> ''),
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subject_kind, subject, role, environment)
);
CREATE INDEX role_bindings_subject ON role_bindings (subject_kind, subject);

-- A browser session is now a token's (sign-in by token) or a person's
-- (sign-in with the identity provider): their name and the groups the
-- provider said they are in at sign-in, so a group removed there counts
-- from the next sign-in.
ALTER TABLE web_sessions ALTER COLUMN token_id DROP NOT NULL;
ALTER TABLE web_sessions ADD COLUMN user_name text;
ALTER TABLE web_sessions ADD COLUMN user_groups text[] NOT NULL DEFAULT '{}';
ALTER TABLE web_sessions ADD CONSTRAINT web_sessions_one_owner CHECK ((token_id IS NULL) <> (user_name IS NULL));

-- Sign-ins with the identity provider under way (OpenID Connect
-- authorization code flow): by the SHA-256 of the state sent to the
-- provider, the SHA-256 of the browser's binding cookie, the nonce the ID
-- token must carry and where to go after. The PKCE code verifier (RFC
-- 7636) is derived from the binding cookie and never stored.
-- A callback takes its row (DELETE ... RETURNING), so a state is used once
-- by whichever replica the browser comes back to.
CREATE TABLE oidc_logins (
    state_hash   bytea PRIMARY KEY,
    binding_hash bytea NOT NULL,
    nonce        text NOT NULL,
    next         text NOT NULL,
    expires_at   timestamptz NOT NULL
);
