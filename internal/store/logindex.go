package store

import (
	"context"
	"fmt"
)

// PhaseLog is where one phase's lines are in a release's log: Lines lines
// with seqs from FirstSeq to LastSeq, in Runs of consecutive seqs (one run
// unless other lines came between, as the release's own lines do around a
// wait for approval).
type PhaseLog struct {
	Phase    string     `json:"phase"`
	FirstSeq int64      `json:"first_seq"`
	LastSeq  int64      `json:"last_seq"`
	Lines    int64      `json:"lines"`
	Runs     [][2]int64 `json:"runs"`
}

// LineOf is the phase-relative line number (from 1) of a seq of the
// phase, 0 when the seq is not the phase's.
func (p PhaseLog) LineOf(seq int64) int64 {
	var before int64
	for _, r := range p.Runs {
		if seq >= r[0] && seq <= r[1] {
			return before + seq - r[0] + 1
		}
		before += r[1] - r[0] + 1
	}
	return 0
}

// SeqOf is the seq of the phase's line n (from 1); 0 when there is no
// such line.
func (p PhaseLog) SeqOf(n int64) int64 {
	for _, r := range p.Runs {
		if size := r[1] - r[0] + 1; n > size {
			n -= size
		} else if n >= 1 {
			return r[0] + n - 1
		}
	}
	return 0
}

// LogIndex lists the phases that wrote lines to a release's log, in the
// order they started, read from the chunk rows' headers only (no line is
// unpacked).
func (s *Store) LogIndex(ctx context.Context, releaseID int64) ([]PhaseLog, error) {
	rows, err := s.pool.Query(ctx, `SELECT phase, first_seq, last_seq FROM release_log_chunks WHERE release_id = $1 ORDER BY first_seq`, releaseID)
	if err != nil {
		return nil, fmt.Errorf("reading the log index of release %d: %w", releaseID, err)
	}
	defer rows.Close()
	out := []PhaseLog{}
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
			out = append(out, PhaseLog{Phase: phase, FirstSeq: first})
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

// LogMatch is one log line holding a searched text.
type LogMatch struct {
	Seq   int64  `json:"seq"`
	Phase string `json:"phase"`
}

// SearchLogs returns the first limit lines of a release's log (of one
// phase, or all with "") whose text holds q, case-insensitively, in seq
// order, and how many lines match in all.
func (s *Store) SearchLogs(ctx context.Context, releaseID int64, phase, q string, limit int) ([]LogMatch, int64, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.pool.Query(ctx, `SELECT seq, phase, count(*) OVER () FROM (
			SELECT c.first_seq + u.ord - 1 AS seq, c.phase
			FROM release_log_chunks c CROSS JOIN LATERAL unnest(c.texts) WITH ORDINALITY AS u(text, ord)
			WHERE c.release_id = $1 AND ($2 = '' OR c.phase = $2) AND strpos(lower(u.text), lower($3)) > 0
		) m ORDER BY seq LIMIT $4`, releaseID, phase, q, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("searching the log of release %d: %w", releaseID, err)
	}
	defer rows.Close()
	out := []LogMatch{}
	var total int64
	for rows.Next() {
		var m LogMatch
		if err := rows.Scan(&m.Seq, &m.Phase, &total); err != nil {
			return nil, 0, fmt.Errorf("searching the log of release %d: %w", releaseID, err)
		}
		out = append(out, m)
	}
	return out, total, rows.Err()
}
