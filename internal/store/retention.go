package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file is retention: what `shiplog db prune` and the server's daily
// prune remove.

// PruneOptions choose what Prune keeps.
type PruneOptions struct {
	// KeepDays keeps everything of releases created in the last KeepDays
	// days (0: only the last KeepLast count).
	KeepDays int
	// KeepLast keeps everything of the newest KeepLast releases of each
	// environment, however old.
	KeepLast int
}

// PruneReport counts what Prune removed: Releases is how many releases
// lost their logs, plan files and changes (their rows stay), the rest are
// rows removed from each table.
type PruneReport struct {
	Releases   int64 `json:"releases"`
	LogChunks  int64 `json:"log_chunks"`
	PlanFiles  int64 `json:"plan_files"`
	Changes    int64 `json:"changes"`
	Blueprints int64 `json:"blueprints"`
	// AuditEvents: audit log rows older than KeepDays (none when KeepDays
	// is 0: the audit log is kept by age only).
	AuditEvents int64 `json:"audit_events"`
	// WebhookDeliveries: deliveries that ended (delivered or failed)
	// older than KeepDays (none when KeepDays is 0).
	WebhookDeliveries int64 `json:"webhook_deliveries"`
}

// Prune removes, in one transaction, the log lines, plan files and change
// rows of finished releases (terminal statuses only: never a queued,
// running or parked release) that are both older than KeepDays days and
// beyond the newest KeepLast of their environment, marking them pruned;
// and the blueprints older than KeepDays that no release names and that
// are not their environment's newest upload; and, with KeepDays, audit
// events older than KeepDays. Release rows are never
// removed. Pruning again removes nothing new.
func (s *Store) Prune(ctx context.Context, o PruneOptions) (PruneReport, error) {
	var rep PruneReport
	if o.KeepDays < 0 || o.KeepLast < 0 {
		return rep, fmt.Errorf("prune: keep-days and keep-last must not be negative (got %d and %d)", o.KeepDays, o.KeepLast)
	}
	var finished []string
	for _, st := range release.Statuses {
		if st.Terminal() {
			finished = append(finished, string(st))
		}
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// A finished release never changes status again: no row lock needed.
		rows, err := tx.Query(ctx, `SELECT id FROM (
				SELECT id, status, created_at, pruned_at,
					row_number() OVER (PARTITION BY environment_id ORDER BY id DESC) AS newest
				FROM releases) r
			WHERE newest > $1 AND created_at < now() - make_interval(days => $2)
			  AND status = ANY($3) AND pruned_at IS NULL`, o.KeepLast, o.KeepDays, finished)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		rep.Releases = int64(len(ids))
		for _, d := range []struct {
			sql string
			n   *int64
		}{
			{`DELETE FROM release_log_chunks WHERE release_id = ANY($1)`, &rep.LogChunks},
			{`DELETE FROM plan_files WHERE release_id = ANY($1)`, &rep.PlanFiles},
			{`DELETE FROM release_changes WHERE release_id = ANY($1)`, &rep.Changes},
			{`UPDATE releases SET pruned_at = now() WHERE id = ANY($1)`, nil},
		} {
			tag, err := tx.Exec(ctx, d.sql, ids)
			if err != nil {
				return err
			}
			if d.n != nil {
				*d.n = tag.RowsAffected()
			}
		}
		tag, err := tx.Exec(ctx, `DELETE FROM blueprints b
			WHERE b.created_at < now() - make_interval(days => $1)
			  AND NOT EXISTS (SELECT 1 FROM releases r WHERE r.environment_id = b.environment_id AND r.blueprint_version = b.version)
			  AND NOT (b.origin = 'upload' AND b.created_at = (SELECT max(u.created_at) FROM blueprints u
			                                                  WHERE u.environment_id = b.environment_id AND u.origin = 'upload'))`, o.KeepDays)
		if err != nil {
			return err
		}
		rep.Blueprints = tag.RowsAffected()
		if o.KeepDays > 0 {
			tag, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE at < now() - make_interval(days => $1)`, o.KeepDays)
			if err != nil {
				return err
			}
			rep.AuditEvents = tag.RowsAffected()
			tag, err = tx.Exec(ctx, `DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < now() - make_interval(days => $1)`, o.KeepDays)
			if err != nil {
				return err
			}
			rep.WebhookDeliveries = tag.RowsAffected()
		}
		return nil
	})
	if err != nil {
		return PruneReport{}, fmt.Errorf("pruning: %w", err)
	}
	return rep, nil
}
