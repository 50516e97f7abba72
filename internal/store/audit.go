package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file is the audit log (migration 0020): appended by the use cases,
// listed by admins, pruned with the rest.

// RecordAudit appends e and sets its ID and time.
func (s *Store) RecordAudit(ctx context.Context, e *release.AuditEvent) error {
	err := s.pool.QueryRow(ctx, `INSERT INTO audit_events (actor, remote_addr, kind, environment, release_id, detail, outcome, error)
		VALUES ($1, $2, $3, COALESCE(NULLIF($4, ''), (SELECT e.name FROM releases r JOIN environments e ON e.id = r.environment_id WHERE r.id = $5), ''),
			$5, $6, $7, $8)
		RETURNING id, at, environment`,
		e.Actor, e.RemoteAddr, e.Kind, e.Environment, e.ReleaseID, e.Detail, e.Outcome, e.Error).Scan(&e.ID, &e.At, &e.Environment)
	if err != nil {
		return dbErr{Doing: fmt.Sprintf("recording audit event %s by %q", e.Kind, e.Actor)}.of(err)
	}
	return nil
}

// AuditFilter selects audit events; zero fields do not filter. Kind
// matches a kind or, ending in ".", every kind it begins ("release.").
type AuditFilter struct {
	Actor, Environment, Kind string
	Since, Until             time.Time // Since inclusive, Until exclusive
	BeforeID                 int64     // continue below this id
	Limit                    int
}

// ListAudit lists audit events newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]release.AuditEvent, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Actor != "" {
		add("actor = $%d", f.Actor)
	}
	if f.Environment != "" {
		add("environment = $%d", f.Environment)
	}
	if strings.HasSuffix(f.Kind, ".") {
		add("starts_with(kind, $%d)", f.Kind)
	} else if f.Kind != "" {
		add("kind = $%d", f.Kind)
	}
	if !f.Since.IsZero() {
		add("at >= $%d", f.Since)
	}
	if !f.Until.IsZero() {
		add("at < $%d", f.Until)
	}
	if f.BeforeID > 0 {
		add("id < $%d", f.BeforeID)
	}
	sql := `SELECT id, at, actor, remote_addr, kind, environment, release_id, detail, outcome, error FROM audit_events`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	args = append(args, f.Limit)
	sql += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, dbErr{Doing: "listing audit events"}.of(err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (release.AuditEvent, error) {
		var e release.AuditEvent
		err := row.Scan(&e.ID, &e.At, &e.Actor, &e.RemoteAddr, &e.Kind, &e.Environment, &e.ReleaseID, &e.Detail, &e.Outcome, &e.Error)
		return e, err
	})
	if err != nil {
		return nil, dbErr{Doing: "listing audit events"}.of(err)
	}
	return out, nil
}
