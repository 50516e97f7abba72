-- An import by identity (Terraform 1.12+) has no import id: the
-- identity's attributes say which object it takes (issue 20).
ALTER TABLE release_changes ADD COLUMN import_identity jsonb;
