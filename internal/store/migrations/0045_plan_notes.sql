-- What a release's plan says beside its changes (issue 20): failed checks,
-- deferred changes and action invocations, as release.PlanNotes JSON.
-- Written with the changes, in the same transaction; '{}' when the plan
-- said none of these (or the release has no plan yet).
ALTER TABLE releases ADD COLUMN plan_notes jsonb NOT NULL DEFAULT '{}';
