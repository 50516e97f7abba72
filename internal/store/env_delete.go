package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// EnvironmentHistory is what an environment has recorded: the history a
// delete would take with it.
type EnvironmentHistory struct {
	Releases      int
	StateVersions int
	Outputs       int
}

// Empty reports whether there is no history at all.
func (h EnvironmentHistory) Empty() bool {
	return h.Releases == 0 && h.StateVersions == 0 && h.Outputs == 0
}

// DeleteEnvironment removes an environment. It is refused (ErrConflict)
// while a release of it is QUEUED, IN_PROGRESS or PENDING_APPROVAL, naming
// that release, and while it is another environment's upstream. An environment with history (releases, state versions,
// applied outputs) is refused too unless force is set; with force its
// releases (and their phases, logs, changes, plans, deployments), state
// versions, outputs, resource status and uploaded configurations go with
// it, in one transaction. It returns what was deleted.
func (s *Store) DeleteEnvironment(ctx context.Context, name string, force bool) (EnvironmentHistory, error) {
	var h EnvironmentHistory
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM environments WHERE name = $1 FOR UPDATE`, name).Scan(&id)
		if err != nil {
			return dbErr{Missing: fmt.Sprintf("environment %q", name), Doing: fmt.Sprintf("reading environment %q", name)}.of(err)
		}
		rows, err := tx.Query(ctx, `SELECT name FROM environments WHERE upstream_id = $1 ORDER BY name`, id)
		if err != nil {
			return fmt.Errorf("looking for environments downstream of %q: %w", name, err)
		}
		downs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("looking for environments downstream of %q: %w", name, err)
		}
		if len(downs) > 0 {
			return fmt.Errorf("environment %q is the upstream of %s, which would be left taking releases from nowhere: "+
				"give them another upstream or none first (shiplog env update %s --no-upstream): %w", name, strings.Join(downs, ", "), downs[0], ErrConflict)
		}
		var active int64
		var status string
		err = tx.QueryRow(ctx, `SELECT id, status FROM releases WHERE environment_id = $1
			AND status IN ('QUEUED', 'IN_PROGRESS', 'PENDING_APPROVAL') ORDER BY id LIMIT 1`, id).Scan(&active, &status)
		switch {
		case err == nil:
			return fmt.Errorf("environment %q has release %d %s: wait for it to finish or abort it first: %w", name, active, status, ErrConflict)
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("looking for active releases of environment %q: %w", name, err)
		}
		err = tx.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM releases WHERE environment_id = $1),
			(SELECT count(*) FROM state_versions WHERE environment_id = $1),
			(SELECT count(*) FROM environment_outputs WHERE environment_id = $1)`, id).Scan(&h.Releases, &h.StateVersions, &h.Outputs)
		if err != nil {
			return fmt.Errorf("counting the history of environment %q: %w", name, err)
		}
		if !h.Empty() && !force {
			return fmt.Errorf("environment %q has history (%d releases, %d state versions, %d outputs): deleting it deletes them too, so it needs force: %w",
				name, h.Releases, h.StateVersions, h.Outputs, ErrConflict)
		}
		for _, q := range []string{
			`DELETE FROM environment_outputs WHERE environment_id = $1`,
			`DELETE FROM resource_status_prior WHERE environment_id = $1`,
			`DELETE FROM resource_status WHERE environment_id = $1`,
			`DELETE FROM state_locks WHERE environment_id = $1`,
			`DELETE FROM state_imports WHERE environment_id = $1`,
			`DELETE FROM state_versions WHERE environment_id = $1`,
			`DELETE FROM application_deployments WHERE environment_id = $1`,
			`UPDATE releases SET rollback_of = NULL WHERE rollback_of IN (SELECT id FROM releases WHERE environment_id = $1) AND environment_id <> $1`,
			`DELETE FROM releases WHERE environment_id = $1`,
			`DELETE FROM blueprints WHERE environment_id = $1`,
			`DELETE FROM environments WHERE id = $1`,
		} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return fmt.Errorf("deleting environment %q: %w", name, err)
			}
		}
		return nil
	})
	return h, err
}
