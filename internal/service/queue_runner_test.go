package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
)

// A queued release of a job-runner environment says it waits for a runner
// Job, not for a worker (workers never take it).
func TestQueueSaysWhichRunnerItWaitsFor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, _ := serviceSetup(t)
	if _, err := svc.CreateEnvironment(ctx, admin, apiwire.EnvironmentRequest{Name: "pods", Namespace: "team-a",
		Source: release.Source{Dir: t.TempDir()}, Runner: release.RunnerJob}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateRelease(ctx, admin, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{Environment: "pods"}}); err != nil {
		t.Fatal(err)
	}
	q, err := svc.Queue(ctx, admin, "pods")
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Releases) != 1 {
		t.Fatalf("queue %+v, want one release", q.Releases)
	}
	if w := q.Releases[0].WaitsFor; !strings.Contains(w, "runner Job in namespace team-a") {
		t.Errorf("waits for %q, want a runner Job in team-a", w)
	}
}

// An unknown runner is refused, naming the field and the runners there are.
func TestEnvironmentRunnerRefused(t *testing.T) {
	t.Parallel()
	svc, _, _ := serviceSetup(t)
	_, err := svc.CreateEnvironment(context.Background(), admin, apiwire.EnvironmentRequest{Name: "lambda",
		Source: release.Source{Dir: t.TempDir()}, Runner: "lambda"})
	var e *service.Error
	if !errors.As(err, &e) || e.Kind != service.Invalid || e.Field != "runner" {
		t.Fatalf("runner lambda: %v, want invalid runner", err)
	}
	if !strings.Contains(e.Message, `"job"`) {
		t.Errorf("the refusal %q does not name the runners", e.Message)
	}
}
