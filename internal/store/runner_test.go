package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// jobEnv makes environment name in namespace ns whose releases run as
// Kubernetes Jobs.
func jobEnv(t *testing.T, s *store.Store, name, ns string) {
	t.Helper()
	env := &release.Environment{Name: name, Namespace: ns, Runner: release.RunnerJob, Source: release.Source{Dir: "/srv/" + name}}
	if err := s.CreateEnvironment(context.Background(), env); err != nil {
		t.Fatal(err)
	}
}

// Workers never claim a job-runner environment's releases, and the
// controller's claim takes only those, of the namespaces it watches.
func TestClaimKeepsRunnersApart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	jobEnv(t, s, "jobs-a", "team-a")
	jobEnv(t, s, "jobs-b", "team-b")
	newEnv(t, s, "pool")
	ja, jb, pool := newRelease(t, s, "jobs-a"), newRelease(t, s, "jobs-b"), newRelease(t, s, "pool")

	got, err := s.Claim(ctx, "worker-1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || got.ID != pool.ID {
		t.Fatalf("a worker claimed %v, want the worker-pool release %d", got, pool.ID)
	}
	if got, err = s.Claim(ctx, "worker-2", time.Minute); err != nil || got != nil {
		t.Fatalf("a worker claimed %v (%v): job-runner releases are not the pool's", got, err)
	}
	got, err = s.ClaimForJob(ctx, "job/x", time.Minute, 0, []string{"team-b"})
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || got.ID != jb.ID {
		t.Fatalf("the controller watching team-b claimed %v, want %d", got, jb.ID)
	}
	if got, err = s.ClaimForJob(ctx, "job/y", time.Minute, 0, []string{"team-b"}); err != nil || got != nil {
		t.Fatalf("claimed %v (%v): team-a is not watched", got, err)
	}
	if got, err = s.ClaimForJob(ctx, "job/z", time.Minute, 0, nil); err != nil || got == nil || got.ID != ja.ID {
		t.Fatalf("watching every namespace claimed %v (%v), want %d", got, err, ja.ID)
	}
}

// A runner lost before its release ended ends it as told, once, and only
// under its own lease.
func TestEndLostRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	jobEnv(t, s, "jobs", "team-a")
	r := newRelease(t, s, "jobs")
	if _, err := s.ClaimForJob(ctx, "job/team-a/run-1", time.Minute, 0, nil); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.EndLostRun(ctx, r.ID, "job/other", release.StatusStopped, "not mine"); err != nil || ok {
		t.Fatalf("another lease ended it: %v %v", ok, err)
	}
	ok, err := s.EndLostRun(ctx, r.ID, "job/team-a/run-1", release.StatusStopped, "release stopped: pod OOMKilled")
	if err != nil || !ok {
		t.Fatalf("EndLostRun: %v %v", ok, err)
	}
	got, err := s.GetRelease(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != release.StatusStopped {
		t.Errorf("status %s, want STOPPED", got.Status)
	}
	if !strings.Contains(got.ErrorLog, "pod OOMKilled") {
		t.Errorf("error log %q does not give the reason", got.ErrorLog)
	}
	for _, p := range got.Phases {
		if !p.Status.Final() {
			t.Errorf("phase %s left %s", p.Name, p.Status)
		}
	}
	if ok, err := s.EndLostRun(ctx, r.ID, "job/team-a/run-1", release.StatusTimedOut, "again"); err != nil || ok {
		t.Fatalf("an ended release was ended again: %v %v", ok, err)
	}
}

// A runner other than worker or job is refused with what to use.
func TestEnvironmentRunnerValidated(t *testing.T) {
	t.Parallel()
	s := dbtest.Store(t)
	env := &release.Environment{Name: "bad", Runner: "lambda", Source: release.Source{Dir: "/srv/x"}}
	err := s.CreateEnvironment(context.Background(), env)
	if err == nil || !strings.Contains(err.Error(), `runner "lambda"`) {
		t.Fatalf("error %v, want one naming the runner", err)
	}
}
