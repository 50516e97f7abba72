package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// LogIndex lists the phases that wrote lines to a release's log, in the
// order they started, read from the chunk rows' headers only (no line is
// unpacked).
func (s *Store) LogIndex(ctx context.Context, releaseID int64) ([]release.PhaseLog, error) {
	rows, err := s.pool.Query(ctx, `SELECT phase, first_seq, last_seq FROM release_log_chunks WHERE release_id = $1 ORDER BY first_seq`, releaseID)
	if err != nil {
		return nil, fmt.Errorf("reading the log index of release %d: %w", releaseID, err)
	}
	defer rows.Close()
	out := []release.PhaseLog{}
	at := map[string]int{}
	for rows.Next() {
		var phase string
		var first, last int64
		if err := rows.Scan(&phase, &first, &last); err != nil {
			return nil, fmt.Errorf("reading the log index of release %d: %w", releaseID, err)
		}
		i, ok := at[phase]
		if !ok {
			i = len(out)
			at[phase] = i
			out = append(out, release.PhaseLog{Phase: phase, FirstSeq: first})
		}
		p := &out[i]
		if n := len(p.Runs); n > 0 && p.Runs[n-1][1]+1 == first {
			p.Runs[n-1][1] = last
		} else {
			p.Runs = append(p.Runs, [2]int64{first, last})
		}
		p.LastSeq = last
		p.Lines += last - first + 1
	}
	return out, rows.Err()
}

// escapePattern matches the ANSI escape sequences a command's output may
// hold (ECMA-48: CSI sequences such as SGR colours "ESC[32m", OSC strings
// ended by BEL or ST, two-byte escapes), as a PostgreSQL regular
// expression: search matches the text people see, without them.
const escapePattern = "\x1b\\[[0-9;:?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)|\x1b[@-Z\\\\-_]"

// searchedText is a line's text as search sees it: escapes removed (only
// in lines that hold one; $5 is escapePattern).
const searchedText = `CASE WHEN strpos(u.text, chr(27)) > 0 THEN regexp_replace(u.text, $5, '', 'g') ELSE u.text END`

// SearchLogs returns the first limit lines of a release's log (of one
// phase, or all with "") whose text holds q, case-insensitively, in seq
// order, and how many lines match in all. Escape sequences in a line
// (colours) are not part of what is searched.
func (s *Store) SearchLogs(ctx context.Context, releaseID int64, phase, q string, limit int) ([]release.LogMatch, int64, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.pool.Query(ctx, `SELECT seq, phase, count(*) OVER () FROM (
			SELECT c.first_seq + u.ord - 1 AS seq, c.phase
			FROM release_log_chunks c CROSS JOIN LATERAL unnest(c.texts) WITH ORDINALITY AS u(text, ord)
			WHERE c.release_id = $1 AND ($2 = '' OR c.phase = $2) AND strpos(lower(`+searchedText+`), lower($3)) > 0
		) m ORDER BY seq LIMIT $4`, releaseID, phase, q, limit, escapePattern)
	if err != nil {
		return nil, 0, fmt.Errorf("searching the log of release %d: %w", releaseID, err)
	}
	defer rows.Close()
	out := []release.LogMatch{}
	var total int64
	for rows.Next() {
		var m release.LogMatch
		if err := rows.Scan(&m.Seq, &m.Phase, &total); err != nil {
			return nil, 0, fmt.Errorf("searching the log of release %d: %w", releaseID, err)
		}
		out = append(out, m)
	}
	return out, total, rows.Err()
}

// CopyLogs bulk-loads the lines of a release's log with COPY, in chunk
// rows of at most chunk lines of one phase each (default 5,000, as the log
// writer batches), without announcing them: for imports of finished logs
// and for seeding benchmarks. Entries must be consecutive seqs of one
// release not yet written.
func (s *Store) CopyLogs(ctx context.Context, entries []release.LogEntry, chunk int) error {
	if len(entries) == 0 {
		return nil
	}
	if chunk <= 0 {
		chunk = 5000
	}
	id := entries[0].ReleaseID
	for i, e := range entries {
		if e.ReleaseID != id || e.Seq != entries[0].Seq+int64(i) {
			return fmt.Errorf("copying logs of release %d: entries must be consecutive lines of one release (seq %d at %d)", id, e.Seq, i)
		}
	}
	var rows [][]any
	for _, c := range chunksOf(entries, chunk) {
		rows = append(rows, c.row(id))
	}
	_, err := s.pool.CopyFrom(ctx, pgx.Identifier{"release_log_chunks"},
		[]string{"release_id", "first_seq", "last_seq", "phase", "deployment_type", "ts", "streams", "texts"}, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copying %d log lines of release %d: %w", len(entries), id, err)
	}
	return nil
}

// SearchLogEntries is SearchLogs with the matching lines themselves, for
// a view that shows only them.
func (s *Store) SearchLogEntries(ctx context.Context, releaseID int64, phase, q string, limit int) ([]release.LogEntry, int64, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.pool.Query(ctx, `SELECT seq, phase, ts, stream, text, deployment_type, count(*) OVER () FROM (
			SELECT c.first_seq + u.ord - 1 AS seq, c.phase, u.ts, u.stream, u.text, c.deployment_type
			FROM release_log_chunks c CROSS JOIN LATERAL unnest(c.ts, c.streams, c.texts) WITH ORDINALITY AS u(ts, stream, text, ord)
			WHERE c.release_id = $1 AND ($2 = '' OR c.phase = $2) AND strpos(lower(`+searchedText+`), lower($3)) > 0
		) m ORDER BY seq LIMIT $4`, releaseID, phase, q, limit, escapePattern)
	if err != nil {
		return nil, 0, fmt.Errorf("searching the log lines of release %d: %w", releaseID, err)
	}
	defer rows.Close()
	out := []release.LogEntry{}
	var total int64
	for rows.Next() {
		e := release.LogEntry{ReleaseID: releaseID}
		if err := rows.Scan(&e.Seq, &e.Phase, &e.Time, &e.Stream, &e.Text, &e.DeploymentType, &total); err != nil {
			return nil, 0, fmt.Errorf("searching the log lines of release %d: %w", releaseID, err)
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}
