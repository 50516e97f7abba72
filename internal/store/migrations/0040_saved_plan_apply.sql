-- Apply a reviewed plan later (issue 24): a release may apply the saved plan
-- of an earlier PLAN release instead of planning itself.

-- The environment's newest state version when the plan was saved (NULL: the
-- environment had none, or the configuration keeps its state elsewhere).
-- An apply of the plan later is refused when the newest version is not this
-- one any more: the state moved and the plan is stale.
ALTER TABLE plan_files ADD COLUMN state_version_id bigint;
ALTER TABLE plan_files ADD COLUMN state_serial bigint;
ALTER TABLE plan_files ADD COLUMN state_lineage text;

-- The PLAN release whose saved plan this release applies.
ALTER TABLE releases ADD COLUMN applies_plan_of bigint REFERENCES releases (id);
CREATE INDEX releases_applies_plan_of ON releases (applies_plan_of) WHERE applies_plan_of IS NOT NULL;
