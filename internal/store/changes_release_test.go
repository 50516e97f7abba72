package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// Changes keep to their release as the foreign key they replaced did
// (migration 0064): changes of a release that does not exist are refused
// (foreign_key_violation); a release cannot be deleted while changes of it
// are being written (it waits for their commit); deleting a release
// deletes its changes.
func TestChangesFollowTheirRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnvTB(t, s, "shop")
	insert := `INSERT INTO release_changes (release_id, phase, seq, kind, address, action) VALUES ($1, 'plan', $2, 'resource', 'terraform_data.a', 'create')`
	count := func(id int64) int {
		t.Helper()
		var n int
		if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM release_changes WHERE release_id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("a missing release", func(t *testing.T) {
		_, err := s.Pool().Exec(ctx, insert, 987654321, 0)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23503" {
			t.Fatalf("changes of no release: %v, want foreign_key_violation (23503)", err)
		}
	})

	t.Run("a delete waits for the writer, then takes the changes", func(t *testing.T) {
		r := newReleaseTB(t, s, "shop")
		writer, err := s.Pool().Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer writer.Rollback(ctx)
		if _, err := writer.Exec(ctx, insert, r.ID, 0); err != nil {
			t.Fatal(err)
		}
		deleter, err := s.Pool().Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer deleter.Rollback(ctx)
		if _, err := deleter.Exec(ctx, `SET LOCAL lock_timeout = '200ms'`); err != nil {
			t.Fatal(err)
		}
		_, err = deleter.Exec(ctx, `DELETE FROM releases WHERE id = $1`, r.ID)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "55P03" {
			t.Fatalf("deleting a release whose changes are being written: %v, want it to wait (lock_not_available under lock_timeout)", err)
		}
		deleter.Rollback(ctx)
		if err := writer.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(r.ID); n != 1 {
			t.Fatalf("%d changes after the writer's commit, want 1", n)
		}
		if _, err := s.Pool().Exec(ctx, `DELETE FROM releases WHERE id = $1`, r.ID); err != nil {
			t.Fatal(err)
		}
		if n := count(r.ID); n != 0 {
			t.Errorf("%d changes left of the deleted release, want 0", n)
		}
	})

	t.Run("a recorded plan writes its changes before its release", func(t *testing.T) {
		one := []release.Change{{Kind: release.KindResource, Address: "terraform_data.a", Action: release.ChangeCreate}}
		r, err := s.RecordPlan(ctx, store.PlanRecord{Release: &release.Release{Environment: "shop", Template: "full-plan", TemplateNamespace: "shiplog",
			TriggeredBy: "ci", Phases: []release.Phase{{Name: "init", Action: release.ActionInit}, {Name: "plan", Action: release.ActionPlan}}},
			Phase: "plan", Changes: &sliceSource{cs: one}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != release.StatusSucceeded || count(r.ID) == 0 {
			t.Errorf("recorded plan %s with %d changes, want SUCCEEDED with its changes", r.Status, count(r.ID))
		}
	})
}

// An address's history reads the partial index that holds only the
// changes it lists (migration 0065): its condition implies the index's.
func TestResourceHistoryUsesItsIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	var plan string
	// store.ResourceHistory's condition on release_changes
	err = tx.QueryRow(ctx, `EXPLAIN (FORMAT JSON) SELECT c.release_id FROM release_changes c
		WHERE c.address = $1 AND c.kind = 'resource' AND c.action NOT IN ('no-op', 'read')`, "terraform_data.a").Scan(&plan)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, `"release_changes_history"`) {
		t.Errorf("the history query does not use release_changes_history:\n%s", plan)
	}
}
