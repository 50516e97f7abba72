package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

func TestCreateAndGetRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "prod")
	r := newRelease(t, s, "prod")
	got, err := s.GetRelease(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != release.StatusQueued || got.Type != release.TypeApply || got.DeploymentType != release.DeploymentRegular ||
		got.Environment != "prod" || got.Namespace != "default" || got.TriggeredBy != "alice" || got.QueuedAt == nil {
		t.Fatalf("release read back wrong: %+v", got)
	}
	if len(got.Phases) != 3 {
		t.Fatalf("phases: %+v", got.Phases)
	}
	if got.Phases[2].Name != "apply" {
		t.Fatalf("phases: %+v", got.Phases)
	}
	if got.Phases[2].Status != release.PhasePending {
		t.Fatalf("phases: %+v", got.Phases)
	}
	if len(got.Artifacts) != 1 {
		t.Fatalf("artifacts: %+v", got.Artifacts)
	}
	if got.Artifacts[0].ID == 0 {
		t.Fatalf("artifacts: %+v", got.Artifacts)
	}
	if got.Artifacts[0].BuildID != "b1" {
		t.Fatalf("artifacts: %+v", got.Artifacts)
	}
	if _, err := s.GetRelease(ctx, 999999); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "999999") {
		t.Fatalf("unknown id: %v", err)
	}
	if err := s.CreateRelease(ctx, &release.Release{Environment: "nope", TriggeredBy: "x", Phases: got.Phases}); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("unknown environment: %v", err)
	}
}

func TestSensitiveVariablesAreSealed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "prod")
	var raw string
	if err := s.Pool().QueryRow(ctx, `SELECT variables::text FROM environments WHERE name = 'prod'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, "hunter2") {
		t.Fatalf("stored variables: %s", raw)
	}
	if !strings.Contains(raw, "eu-west-1") {
		t.Fatalf("stored variables: %s", raw)
	}
	env, err := s.GetEnvironment(ctx, "prod")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range env.Variables {
		if v.Sensitive && v.Value != "" {
			t.Fatalf("GetEnvironment returned the sensitive value")
		}
	}
	run, err := s.EnvironmentForRun(ctx, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if run.Variables[1].Value != "hunter2-secret" {
		t.Fatalf("EnvironmentForRun: %v %+v", err, run)
	}
}

// A status the code does not know, read back from the database, is an error
// naming the release, not a silent zero value.
func TestUnknownStatusInDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "prod")
	r := newRelease(t, s, "prod")
	if _, err := s.Pool().Exec(ctx, `ALTER TABLE releases DROP CONSTRAINT releases_status_check`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE releases SET status = 'EXPLODED' WHERE id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetRelease(ctx, r.ID)
	if err == nil {
		t.Fatalf("want an unknown-status error, got %v", err)
	}
	if !strings.Contains(err.Error(), "EXPLODED") {
		t.Fatalf("want an unknown-status error, got %v", err)
	}
	if !strings.Contains(err.Error(), "release") {
		t.Fatalf("want an unknown-status error, got %v", err)
	}
}
