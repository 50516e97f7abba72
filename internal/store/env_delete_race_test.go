package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// A release created while its environment is being deleted waits for the
// delete and then finds no environment (ErrNotFound, a 404), instead of
// failing on the foreign key (a 500). The delete is held open by a
// transaction that locks the environment as DeleteEnvironment does.
func TestCreateReleaseDuringEnvironmentDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, url := dbtest.StoreURL(t)
	env := newEnv(t, s, "going")
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connecting: %v", err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatalf("beginning the delete: %v", err)
	}
	if _, err := tx.Exec(ctx, `SELECT id FROM environments WHERE id = $1 FOR UPDATE`, env.ID); err != nil {
		t.Fatalf("locking the environment: %v", err)
	}
	created := make(chan error, 1)
	go func() {
		r := &release.Release{Environment: "going", Template: "terraform-apply", TemplateNamespace: "shiplog", TriggeredBy: "alice",
			Phases: []release.Phase{{Name: "plan", Action: release.ActionPlan}}}
		created <- s.CreateRelease(ctx, r)
	}()
	// The create is now blocked on the lock (or has not reached it yet):
	// either way it may only see the environment once the delete commits.
	if _, err := tx.Exec(ctx, `DELETE FROM blueprints WHERE environment_id = $1`, env.ID); err != nil {
		t.Fatalf("deleting blueprints: %v", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM environments WHERE id = $1`, env.ID); err != nil {
		t.Fatalf("deleting the environment: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("committing the delete: %v", err)
	}
	if err := <-created; !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("creating a release of a deleted environment: %v, want ErrNotFound", err)
	}
}
