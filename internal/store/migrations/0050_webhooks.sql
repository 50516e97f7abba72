-- Signed webhooks (issue 22): subscriptions, and an outbox of deliveries
-- filled by the database in the same transaction as the release change it
-- announces, so no writer (worker, API, pages, reaper, controller) can
-- change a release without its subscribers hearing of it.

CREATE TABLE webhook_subscriptions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url text NOT NULL,
    description text NOT NULL DEFAULT '',
    -- environment names or shell-like patterns (prod-*; matched with
    -- LIKE after '*' → '%'); empty: every environment
    environments text[] NOT NULL DEFAULT '{}',
    -- event types (release.succeeded, ...); empty: every event
    events text[] NOT NULL DEFAULT '{}',
    -- standard (the versioned JSON payload) or slack ({"text": ...})
    format text NOT NULL DEFAULT 'standard' CHECK (format IN ('standard', 'slack')),
    -- the signing secret, sealed with shiplog's key (never in clear); the
    -- previous one signs too until previous_until (rotation)
    secret text NOT NULL,
    previous_secret text,
    previous_until timestamptz,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id bigint NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    release_id bigint,
    event text NOT NULL,
    -- the Standard Webhooks webhook-id: the same on every attempt, so a
    -- receiver drops duplicates
    message_id text NOT NULL UNIQUE,
    payload jsonb NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status integer,
    last_error text NOT NULL DEFAULT '',
    last_latency_ms integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, id DESC);

-- shiplog_webhook_enqueue adds one delivery of event about release r to
-- every subscription that wants it, and wakes the dispatchers.
CREATE FUNCTION shiplog_webhook_enqueue(r releases, event text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    env text;
    n integer;
BEGIN
    SELECT name INTO env FROM environments WHERE id = r.environment_id;
    INSERT INTO webhook_deliveries (subscription_id, release_id, event, message_id, payload)
    SELECT s.id, r.id, event, 'msg_' || replace(gen_random_uuid()::text, '-', ''),
        jsonb_build_object(
            'type', event,
            'version', 1,
            'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            'data', jsonb_build_object(
                'release_id', r.id, 'environment', env, 'namespace', r.namespace,
                'template', r.template, 'release_type', r.release_type, 'deployment_type', r.deployment_type,
                'status', r.status, 'triggered_by', r.triggered_by, 'blueprint_version', r.blueprint_version,
                'approved_by', r.approved_by, 'sign_off', r.signoff_status, 'signed_off_by', r.signoff_by,
                'error', left(r.error_log, 2000), 'summary', nullif(r.summary, '{}'::jsonb)))
    FROM webhook_subscriptions s
    WHERE (cardinality(s.events) = 0 OR event = ANY (s.events))
      AND (cardinality(s.environments) = 0 OR EXISTS (
            SELECT 1 FROM unnest(s.environments) p WHERE env LIKE replace(replace(p, '_', '\_'), '*', '%')));
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('shiplog_webhooks', '');
    END IF;
END $$;

CREATE FUNCTION shiplog_webhook_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM shiplog_webhook_enqueue(NEW, 'release.created');
        IF NEW.status <> 'QUEUED' THEN -- a recorded plan is created finished
            PERFORM shiplog_webhook_enqueue(NEW, 'release.' || lower(NEW.status));
        END IF;
        RETURN NULL;
    END IF;
    -- a rejection records its decider in approved_by too: only a release
    -- sent on (QUEUED) was approved
    IF NEW.approved_by IS DISTINCT FROM OLD.approved_by AND NEW.approved_by IS NOT NULL AND NEW.status = 'QUEUED' THEN
        PERFORM shiplog_webhook_enqueue(NEW, 'release.approved');
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        PERFORM shiplog_webhook_enqueue(NEW, CASE
            WHEN NEW.status = 'IN_PROGRESS' THEN 'release.started'
            ELSE 'release.' || lower(NEW.status) END);
    END IF;
    IF NEW.signoff_status IS DISTINCT FROM OLD.signoff_status AND NEW.signoff_status IS NOT NULL THEN
        PERFORM shiplog_webhook_enqueue(NEW, 'release.signed_off');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER releases_webhooks AFTER INSERT OR UPDATE OF status, approved_by, signoff_status ON releases
    FOR EACH ROW EXECUTE FUNCTION shiplog_webhook_release();
