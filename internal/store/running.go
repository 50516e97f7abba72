package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// RunningReleases reports which of ids are IN_PROGRESS (held by a worker).
func (s *Store) RunningReleases(ctx context.Context, ids []int64) (map[int64]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM releases WHERE id = ANY($1) AND status = 'IN_PROGRESS'`, ids)
	if err != nil {
		return nil, fmt.Errorf("reading which releases run: %w", err)
	}
	running, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("reading which releases run: %w", err)
	}
	out := make(map[int64]bool, len(running))
	for _, id := range running {
		out[id] = true
	}
	return out, nil
}
