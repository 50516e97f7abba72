-- Promotion along a release stream (issue 24): an environment may name the
-- environment upstream of it (staging for production). A promotion is a
-- release downstream that runs exactly the blueprint and artifacts of a
-- SUCCEEDED release upstream; promoted_from links it to that release.
-- With require_upstream_signoff, every release that changes the
-- environment must carry a configuration signed off (APPROVED) upstream.
ALTER TABLE environments ADD COLUMN upstream_id bigint REFERENCES environments (id) ON DELETE SET NULL;
ALTER TABLE environments ADD COLUMN require_upstream_signoff boolean NOT NULL DEFAULT false;
ALTER TABLE environments ADD CONSTRAINT environments_upstream_not_self CHECK (upstream_id <> id);

ALTER TABLE releases ADD COLUMN promoted_from bigint REFERENCES releases (id) ON DELETE SET NULL;
CREATE INDEX releases_promoted_from ON releases (promoted_from) WHERE promoted_from IS NOT NULL;

-- A blueprint copied from the upstream environment by a promotion.
ALTER TABLE blueprints DROP CONSTRAINT IF EXISTS blueprints_origin_check;
ALTER TABLE blueprints ADD CONSTRAINT blueprints_origin_check CHECK (origin IN ('dir', 'git', 'upload', 'promotion'));
