package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file keeps what applying a reviewed plan later needs: the state a
// saved plan was made against, and the plan's changes copied to the release
// that applies it.

// stateAtPlanSQL sets a plan file's state columns ($1 release, $2 phase) to
// the newest state version of the release's environment: the state the plan
// was made against (one release of an environment runs at a time, and a plan
// writes no state, so nothing moved between the plan and its save).
const stateAtPlanSQL = `UPDATE plan_files f SET state_version_id = v.id, state_serial = v.serial, state_lineage = v.lineage
	FROM (SELECT sv.id, sv.serial, sv.lineage FROM state_versions sv
	      WHERE sv.environment_id = (SELECT environment_id FROM releases WHERE id = $1)
	      ORDER BY sv.id DESC LIMIT 1) v
	WHERE f.release_id = $1 AND f.phase = $2`

// RecordPlanState records, on release releaseID's plan file of phase, the
// environment's newest state version now (nothing when it has none), so an
// apply of the plan later can tell whether the state moved since.
func (s *Store) RecordPlanState(ctx context.Context, releaseID int64, phase string) error {
	if _, err := s.pool.Exec(ctx, stateAtPlanSQL, releaseID, phase); err != nil {
		return fmt.Errorf("recording the state the plan of release %d was made against: %w", releaseID, err)
	}
	return nil
}

// SavedPlan returns what the store knows of release releaseID's newest saved
// plan — its phase, checksum, time, the state version it was made against —
// and the environment's newest state version now; nil (no error) when the
// release saved no plan.
func (s *Store) SavedPlan(ctx context.Context, releaseID int64) (*release.SavedPlan, error) {
	var p release.SavedPlan
	var atID, atSerial *int64
	var atLineage *string
	var nowID, nowSerial, nowRelease *int64
	var nowLineage *string
	var nowAt *time.Time
	var applyIDs []int64
	var applyStatuses []string
	err := s.pool.QueryRow(ctx, `SELECT f.phase, f.sha256, f.created_at, f.state_version_id, f.state_serial, f.state_lineage,
			v.id, v.serial, v.lineage, v.release_id, v.created_at,
			coalesce((SELECT array_agg(a.id ORDER BY a.id) FROM releases a WHERE a.applies_plan_of = r.id), '{}'),
			coalesce((SELECT array_agg(a.status ORDER BY a.id) FROM releases a WHERE a.applies_plan_of = r.id), '{}')
		FROM plan_files f JOIN releases r ON r.id = f.release_id
		LEFT JOIN LATERAL (SELECT id, serial, lineage, release_id, created_at FROM state_versions
			WHERE environment_id = r.environment_id ORDER BY id DESC LIMIT 1) v ON true
		WHERE f.release_id = $1 ORDER BY f.created_at DESC LIMIT 1`, releaseID).Scan(
		&p.Phase, &p.SHA256, &p.SavedAt, &atID, &atSerial, &atLineage, &nowID, &nowSerial, &nowLineage, &nowRelease, &nowAt,
		&applyIDs, &applyStatuses)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the saved plan of release %d: %w", releaseID, err)
	}
	for i, id := range applyIDs {
		p.Applies = append(p.Applies, release.PlanApply{ID: id, Status: release.Status(applyStatuses[i])})
	}
	if atID != nil {
		p.AtPlan = &release.StateVersion{ID: *atID, Serial: deref64(atSerial), Lineage: deref(atLineage)}
	}
	if nowID != nil {
		p.Now = &release.StateVersion{ID: *nowID, Serial: deref64(nowSerial), Lineage: deref(nowLineage), ReleaseID: nowRelease}
		if nowAt != nil {
			p.Now.CreatedAt = *nowAt
		}
	}
	return &p, nil
}

func deref64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// copyPlanChanges copies release from's recorded changes, summary and plan notes to
// release to (which applies from's saved plan), in tx: the new release shows
// exactly the changes it will apply before it runs.
func copyPlanChanges(ctx context.Context, tx pgx.Tx, from, to int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO release_changes (release_id, phase, seq, kind, address, previous_address, module_address,
			mode, type, name, index, provider, deposed_key, action, replace_order, modification, action_reason, import_id,
			replace_paths, fields, import_identity)
		SELECT $2, phase, seq, kind, address, previous_address, module_address,
			mode, type, name, index, provider, deposed_key, action, replace_order, modification, action_reason, import_id,
			replace_paths, fields, import_identity
		FROM release_changes WHERE release_id = $1`, from, to)
	if err != nil {
		return fmt.Errorf("copying the changes of release %d to release %d: %w", from, to, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE releases SET (summary, plan_notes) = (SELECT summary, plan_notes FROM releases WHERE id = $1) WHERE id = $2`, from, to); err != nil {
		return fmt.Errorf("copying the summary of release %d to release %d: %w", from, to, err)
	}
	return nil
}
