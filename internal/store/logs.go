package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// AppendLogs writes entries — consecutive seqs of one release, ascending —
// in one transaction, as one chunk row per run of lines of one phase, and
// announces them. Entries already written (a retry after a commit whose
// acknowledgement was lost) are skipped, so nothing is written twice.
func (s *Store) AppendLogs(ctx context.Context, entries []release.LogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	id := entries[0].ReleaseID
	for i := 1; i < len(entries); i++ {
		if entries[i].ReleaseID != id || entries[i].Seq != entries[i-1].Seq+1 {
			return fmt.Errorf("writing logs of release %d: entries must be consecutive lines of one release (seq %d follows %d)", id, entries[i].Seq, entries[i-1].Seq)
		}
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		// Skip what an earlier attempt whose commit we never heard of wrote.
		var last int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(last_seq), 0) FROM release_log_chunks WHERE release_id = $1`, id).Scan(&last); err != nil {
			return fmt.Errorf("writing logs of release %d: %w", id, err)
		}
		if skip := last - entries[0].Seq + 1; skip > 0 {
			if skip >= int64(len(entries)) {
				return nil
			}
			entries = entries[skip:]
		}
		if err := tx.SendBatch(ctx, chunkBatch(id, entries)).Close(); err != nil {
			return fmt.Errorf("writing %d log lines of release %d: %w", len(entries), id, err)
		}
		return nil
	})
}

// chunkBatch turns consecutive entries into one insert per run of one phase.
func chunkBatch(id int64, entries []release.LogEntry) *pgx.Batch {
	b := &pgx.Batch{}
	for _, c := range chunksOf(entries, 0) {
		b.Queue(`INSERT INTO release_log_chunks (release_id, first_seq, last_seq, phase, deployment_type, ts, streams, texts)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (release_id, first_seq) DO NOTHING`, c.row(id)...)
	}
	b.Queue("SELECT pg_notify($1, $2)", LogChannel, fmt.Sprintf("%d:%d", id, entries[len(entries)-1].Seq))
	return b
}

// logChunk is one release_log_chunks row: consecutive lines of one phase
// (and deployment type).
type logChunk struct {
	first, last    int64
	phase, dtype   string
	ts             []time.Time
	streams, texts []string
}

// row is the chunk's column values in table order, after release_id.
func (c logChunk) row(id int64) []any {
	return []any{id, c.first, c.last, c.phase, c.dtype, c.ts, c.streams, c.texts}
}

// chunksOf splits consecutive entries into chunks of one phase and
// deployment type each, at most max lines long (0: no limit).
func chunksOf(entries []release.LogEntry, max int) []logChunk {
	var out []logChunk
	for start := 0; start < len(entries); {
		end := start + 1
		for end < len(entries) && (max <= 0 || end-start < max) &&
			entries[end].Phase == entries[start].Phase && entries[end].DeploymentType == entries[start].DeploymentType {
			end++
		}
		run := entries[start:end]
		c := logChunk{first: run[0].Seq, last: run[len(run)-1].Seq, phase: run[0].Phase, dtype: string(run[0].DeploymentType),
			ts: make([]time.Time, len(run)), streams: make([]string, len(run)), texts: make([]string, len(run))}
		for i, e := range run {
			c.ts[i], c.streams[i], c.texts[i] = e.Time, string(e.Stream), cleanText(e.Text)
		}
		out = append(out, c)
		start = end
	}
	return out
}

// cleanText drops NUL bytes, which PostgreSQL text cannot hold.
func cleanText(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// LastLogSeq is the highest seq written for a release (0 if none).
func (s *Store) LastLogSeq(ctx context.Context, releaseID int64) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(last_seq), 0) FROM release_log_chunks WHERE release_id = $1`, releaseID).Scan(&seq)
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
	rows, err := s.pool.Query(ctx, `SELECT c.first_seq + u.ord - 1 AS seq, c.phase, u.ts, u.stream, u.text, c.deployment_type
		FROM release_log_chunks c
		CROSS JOIN LATERAL unnest(c.ts, c.streams, c.texts) WITH ORDINALITY AS u(ts, stream, text, ord)
		WHERE c.release_id = $1 AND c.last_seq > $2 AND ($3 = '' OR c.phase = $3) AND c.first_seq + u.ord - 1 > $2
		ORDER BY seq LIMIT $4`, releaseID, afterSeq, phase, limit)
	if err != nil {
		return nil, fmt.Errorf("reading logs of release %d: %w", releaseID, err)
	}
	defer rows.Close()
	out := []release.LogEntry{}
	for rows.Next() {
		e := release.LogEntry{ReleaseID: releaseID}
		if err := rows.Scan(&e.Seq, &e.Phase, &e.Time, &e.Stream, &e.Text, &e.DeploymentType); err != nil {
			return nil, fmt.Errorf("reading logs of release %d: %w", releaseID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
