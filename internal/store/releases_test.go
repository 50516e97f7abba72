package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

func newEnv(t *testing.T, s *store.Store, name string) *release.Environment {
	return newEnvTB(t, s, name)
}

func newEnvTB(t testing.TB, s *store.Store, name string) *release.Environment {
	t.Helper()
	env := &release.Environment{Name: name, Source: release.Source{Dir: "/srv/" + name},
		Variables: []release.Variable{{Name: "region", Value: "eu-west-1"}, {Name: "db_password", Value: "hunter2-secret", Sensitive: true}}}
	if err := s.CreateEnvironment(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	return env
}

func newRelease(t *testing.T, s *store.Store, env string) *release.Release {
	return newReleaseTB(t, s, env)
}

func newReleaseTB(t testing.TB, s *store.Store, env string) *release.Release {
	t.Helper()
	r := &release.Release{Environment: env, Template: "terraform-apply", TemplateNamespace: "shiplog", TriggeredBy: "alice",
		Phases:  []release.Phase{{Name: "init", Action: release.ActionInit}, {Name: "plan", Action: release.ActionPlan}, {Name: "apply", Action: release.ActionApply}},
		Targets: []string{"terraform_data.a"}, BlueprintVersion: "v1",
		Artifacts: []release.Artifact{{URI: "oci://registry/app:1", BuildID: "b1", AppName: "app", StackName: "web"}}}
	if err := s.CreateRelease(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCreateAndGetRelease(t *testing.T) {
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
	if len(got.Phases) != 3 || got.Phases[2].Name != "apply" || got.Phases[2].Status != release.PhasePending {
		t.Fatalf("phases: %+v", got.Phases)
	}
	if len(got.Artifacts) != 1 || got.Artifacts[0].ID == 0 || got.Artifacts[0].BuildID != "b1" {
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
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "prod")
	var raw string
	if err := s.Pool().QueryRow(ctx, `SELECT variables::text FROM environments WHERE name = 'prod'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, "hunter2") || !strings.Contains(raw, "eu-west-1") {
		t.Fatalf("stored variables: %s", raw)
	}
	env, _ := s.GetEnvironment(ctx, "prod")
	for _, v := range env.Variables {
		if v.Sensitive && v.Value != "" {
			t.Fatalf("GetEnvironment returned the sensitive value")
		}
	}
	run, err := s.EnvironmentForRun(ctx, "prod")
	if err != nil || run.Variables[1].Value != "hunter2-secret" {
		t.Fatalf("EnvironmentForRun: %v %+v", err, run)
	}
}

// Two writers race to move the same release out of IN_PROGRESS: exactly one
// wins, the other learns what happened.
func TestTransitionCompareAndSet(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "prod")
	for round := range 10 {
		r := newRelease(t, s, "prod")
		if err := s.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusQueued, To: release.StatusInProgress, LeaseOwner: "w1", LeaseFor: time.Minute}); err != nil {
			t.Fatal(err)
		}
		targets := []release.Status{release.StatusSucceeded, release.StatusAborted}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = s.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusInProgress, To: targets[i]})
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			if err == nil {
				won++
				continue
			}
			var ce *store.StatusConflictError
			if !errors.As(err, &ce) || !errors.Is(err, store.ErrConflict) || ce.Found != targets[1-i] {
				t.Fatalf("round %d: loser got %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d writers won", round, won)
		}
		got, _ := s.GetRelease(ctx, r.ID)
		if !got.Status.Terminal() || got.FinishedAt == nil || got.StartedAt == nil {
			t.Fatalf("round %d: release after race: %+v", round, got)
		}
	}
}

func TestTransitionRules(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "prod")
	a, b := newRelease(t, s, "prod"), newRelease(t, s, "prod")
	// an illegal move never reaches the database
	if err := s.Transition(ctx, store.StatusChange{ID: a.ID, From: release.StatusQueued, To: release.StatusSucceeded}); err == nil || !strings.Contains(err.Error(), "QUEUED to SUCCEEDED") {
		t.Fatalf("illegal move: %v", err)
	}
	if err := s.Transition(ctx, store.StatusChange{ID: a.ID, From: release.StatusQueued, To: release.StatusInProgress, LeaseOwner: "w1", LeaseFor: time.Minute}); err != nil {
		t.Fatal(err)
	}
	// the database itself keeps one active release per environment
	err := s.Transition(ctx, store.StatusChange{ID: b.ID, From: release.StatusQueued, To: release.StatusInProgress, LeaseOwner: "w2", LeaseFor: time.Minute})
	if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "in progress") {
		t.Fatalf("second active release: %v", err)
	}
	if err := s.Transition(ctx, store.StatusChange{ID: a.ID, From: release.StatusInProgress, To: release.StatusFailed, Reason: "Error: boom"}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetRelease(ctx, a.ID)
	if got.ErrorLog != "Error: boom" {
		t.Fatalf("error log %q", got.ErrorLog)
	}
	if err := s.Transition(ctx, store.StatusChange{ID: 424242, From: release.StatusQueued, To: release.StatusAborted}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown release: %v", err)
	}
}

// A status the code does not know, read back from the database, is an error
// naming the release, not a silent zero value.
func TestUnknownStatusInDatabase(t *testing.T) {
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
	if err == nil || !strings.Contains(err.Error(), "EXPLODED") || !strings.Contains(err.Error(), "release") {
		t.Fatalf("want an unknown-status error, got %v", err)
	}
}

func TestListReleasesNewestFirstWithFilters(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "prod")
	newEnv(t, s, "dev")
	var ids []int64
	for range 5 {
		ids = append(ids, newRelease(t, s, "prod").ID)
	}
	newRelease(t, s, "dev")
	page, err := s.ListReleases(ctx, store.ReleaseFilter{Environment: "prod", Limit: 3})
	if err != nil || len(page) != 3 || page[0].ID != ids[4] || page[2].ID != ids[2] {
		t.Fatalf("first page: %v %+v", err, page)
	}
	page, _ = s.ListReleases(ctx, store.ReleaseFilter{Environment: "prod", Limit: 3, BeforeID: page[2].ID})
	if len(page) != 2 || page[1].ID != ids[0] {
		t.Fatalf("second page: %+v", page)
	}
	page, _ = s.ListReleases(ctx, store.ReleaseFilter{Statuses: []release.Status{release.StatusQueued}})
	if len(page) != 6 {
		t.Fatalf("queued: %d", len(page))
	}
}
