-- Selective releases (issue 24): a release that applies only its targets is
-- a release type of its own.
ALTER TABLE releases DROP CONSTRAINT releases_release_type_check;
ALTER TABLE releases ADD CONSTRAINT releases_release_type_check
    CHECK (release_type IN ('PLAN', 'APPLY', 'DESTROY', 'SELECTIVE'));
