package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// LogChannel is the LISTEN/NOTIFY channel announcing new log lines; the
// payload is "<release id>:<highest seq written>".
const LogChannel = "shiplog_logs"

// ReleaseChannel announces release status changes; the payload is the id.
const ReleaseChannel = "shiplog_releases"

// AppendLogs writes entries (all of one release, seq ascending) in one
// transaction with COPY and announces them. Writing the same entries again
// (after a commit whose acknowledgement was lost) writes nothing twice.
func (s *Store) AppendLogs(ctx context.Context, entries []release.LogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	id := entries[0].ReleaseID
	last := entries[len(entries)-1].Seq
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"release_logs"},
			[]string{"release_id", "seq", "phase", "ts", "stream", "text", "deployment_type"},
			pgx.CopyFromSlice(len(entries), func(i int) ([]any, error) {
				e := &entries[i]
				return []any{e.ReleaseID, e.Seq, e.Phase, e.Time, string(e.Stream), cleanText(e.Text), string(e.DeploymentType)}, nil
			}))
		if err != nil {
			return err
		}
		return notifyLogs(ctx, tx, id, last)
	})
	if isUniqueViolation(err) {
		// Some of these were written by an attempt whose commit we did not
		// hear about: write the rest, skipping what is there.
		err = s.inTx(ctx, func(tx pgx.Tx) error {
			b := &pgx.Batch{}
			for _, e := range entries {
				b.Queue(`INSERT INTO release_logs (release_id, seq, phase, ts, stream, text, deployment_type)
					VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (release_id, seq) DO NOTHING`,
					e.ReleaseID, e.Seq, e.Phase, e.Time, string(e.Stream), cleanText(e.Text), string(e.DeploymentType))
			}
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return err
			}
			return notifyLogs(ctx, tx, id, last)
		})
	}
	if err != nil {
		return fmt.Errorf("writing %d log lines of release %d: %w", len(entries), id, err)
	}
	return nil
}

// cleanText drops NUL bytes, which PostgreSQL text cannot hold.
func cleanText(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}

func notifyLogs(ctx context.Context, q Querier, id, seq int64) error {
	_, err := q.Exec(ctx, "SELECT pg_notify($1, $2)", LogChannel, fmt.Sprintf("%d:%d", id, seq))
	return err
}

// LastLogSeq is the highest seq written for a release (0 if none).
func (s *Store) LastLogSeq(ctx context.Context, releaseID int64) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM release_logs WHERE release_id = $1`, releaseID).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("reading log position of release %d: %w", releaseID, err)
	}
	return seq, nil
}

// ListLogs returns up to limit entries of a release after seq afterSeq,
// optionally of one phase only.
func (s *Store) ListLogs(ctx context.Context, releaseID int64, phase string, afterSeq int64, limit int) ([]release.LogEntry, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.pool.Query(ctx, `SELECT release_id, seq, phase, ts, stream, text, deployment_type FROM release_logs
		WHERE release_id = $1 AND seq > $2 AND ($3 = '' OR phase = $3) ORDER BY seq LIMIT $4`, releaseID, afterSeq, phase, limit)
	if err != nil {
		return nil, fmt.Errorf("reading logs of release %d: %w", releaseID, err)
	}
	defer rows.Close()
	out := []release.LogEntry{}
	for rows.Next() {
		var e release.LogEntry
		if err := rows.Scan(&e.ReleaseID, &e.Seq, &e.Phase, &e.Time, &e.Stream, &e.Text, &e.DeploymentType); err != nil {
			return nil, fmt.Errorf("reading logs of release %d: %w", releaseID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
