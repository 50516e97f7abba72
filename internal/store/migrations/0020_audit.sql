-- The audit log: every state-changing act, who did it, from where, on what,
-- and how it ended (ok, refused, failed). Rows outlive the releases and
-- environments they name (no foreign keys); `db prune` removes old ones.
CREATE TABLE audit_events (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    remote_addr text NOT NULL DEFAULT '',
    kind        text NOT NULL,
    environment text NOT NULL DEFAULT '',
    release_id  bigint,
    detail      text NOT NULL DEFAULT '',
    outcome     text NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    error       text NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_actor ON audit_events (actor, id DESC);
CREATE INDEX audit_events_environment ON audit_events (environment, id DESC);
CREATE INDEX audit_events_kind ON audit_events (kind, id DESC);
CREATE INDEX audit_events_at ON audit_events (at);
