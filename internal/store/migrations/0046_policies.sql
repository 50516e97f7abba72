-- Policy checks before apply (issue 22): Rego policies stored in shiplog,
-- and each release's verdicts.

CREATE TABLE policies (
    name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
    version integer NOT NULL DEFAULT 1,
    description text NOT NULL DEFAULT '',
    module text NOT NULL,
    -- environment names or shell patterns; empty: every environment
    environments text[] NOT NULL DEFAULT '{}',
    overridable boolean NOT NULL DEFAULT false,
    updated_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- What each policy said of a release, per policy phase; the policy's
-- version is kept, so a later change of the policy does not rewrite it.
CREATE TABLE release_policy_checks (
    release_id bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    phase text NOT NULL,
    policy text NOT NULL,
    version integer NOT NULL,
    -- '' for a stored policy; 'configuration' for a .rego file of the
    -- configuration's policies directory (version 0)
    source text NOT NULL DEFAULT '',
    verdict text NOT NULL CHECK (verdict IN ('pass', 'warn', 'deny')),
    overridable boolean NOT NULL,
    denials jsonb NOT NULL DEFAULT '[]',
    warnings jsonb NOT NULL DEFAULT '[]',
    evaluated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (release_id, phase, policy)
);

-- A release's verdicts are part of what it looks like: announced as its
-- phases are (migration 0009).
CREATE TRIGGER release_policy_checks_announce AFTER INSERT ON release_policy_checks
    FOR EACH ROW EXECUTE FUNCTION shiplog_release_phase_notify();
