package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ReplaceOutputs makes outputs the output values of release releaseID's
// environment, replacing what an earlier apply left: an output the state no
// longer has goes away. A sensitive output's value is never written, whatever
// the caller passes.
func (s *Store) ReplaceOutputs(ctx context.Context, releaseID int64, outputs []release.Output) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var envID int64
		if err := tx.QueryRow(ctx, `SELECT environment_id FROM releases WHERE id = $1`, releaseID).Scan(&envID); err != nil {
			return dbErr{Missing: fmt.Sprintf("release %d", releaseID), Doing: fmt.Sprintf("reading release %d", releaseID)}.of(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM environment_outputs WHERE environment_id = $1`, envID); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, o := range outputs {
			var value, typ []byte
			var err error
			if !o.Sensitive {
				if value, err = json.Marshal(o.Value); err != nil {
					return fmt.Errorf("output %s: %w", o.Name, err)
				}
			}
			if o.Type != nil {
				if typ, err = json.Marshal(o.Type); err != nil {
					return fmt.Errorf("output %s: %w", o.Name, err)
				}
			}
			b.Queue(`INSERT INTO environment_outputs (environment_id, name, value, type, sensitive, release_id)
				VALUES ($1, $2, $3, $4, $5, $6)`, envID, o.Name, value, typ, o.Sensitive, releaseID)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return dbErr{Doing: fmt.Sprintf("recording the outputs of release %d", releaseID)}.of(err)
	}
	return nil
}

// ListOutputs returns an environment's output values by name (an
// environment that was never applied has none).
func (s *Store) ListOutputs(ctx context.Context, env string) ([]release.Output, error) {
	rows, err := s.pool.Query(ctx, `SELECT o.name, o.value::text, o.type::text, o.sensitive, o.release_id
		FROM environment_outputs o JOIN environments e ON e.id = o.environment_id
		WHERE e.name = $1 ORDER BY o.name`, env)
	if err != nil {
		return nil, fmt.Errorf("reading the outputs of %s: %w", env, err)
	}
	defer rows.Close()
	out := []release.Output{}
	for rows.Next() {
		var o release.Output
		var value, typ *string
		if err := rows.Scan(&o.Name, &value, &typ, &o.Sensitive, &o.ReleaseID); err != nil {
			return nil, fmt.Errorf("reading the outputs of %s: %w", env, err)
		}
		for _, f := range []struct {
			src *string
			dst *any
		}{{value, &o.Value}, {typ, &o.Type}} {
			if f.src == nil {
				continue
			}
			d := json.NewDecoder(strings.NewReader(*f.src))
			d.UseNumber() // numbers come back as terraform wrote them
			if err := d.Decode(f.dst); err != nil {
				return nil, fmt.Errorf("output %s of %s: %w", o.Name, env, err)
			}
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
