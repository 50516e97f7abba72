-- Maintenance windows (issue 24): weekly ranges in which an environment's
-- releases may start (release.MaintenanceWindow as JSON); '[]' is always.
-- The claim leaves out environments whose windows are all closed at the
-- claim's time (store.Claim decides in Go, with the store's clock).
ALTER TABLE environments ADD COLUMN maintenance_windows jsonb NOT NULL DEFAULT '[]';
