package worker_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
)

var operator = service.Caller{Name: "operator", Scopes: []string{"admin"}}

// A paused environment holds its queue: no worker starts its releases,
// however many ask, while other environments go on; resumed, its releases
// run in the order they were queued.
func TestPausedEnvironmentHoldsItsQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	svc := h.service()
	h.env("shop", namedConfig(t, "v1", 1))
	h.env("other", namedConfig(t, "o", 1))
	if _, err := svc.PauseEnvironment(ctx, operator, "shop", "quarterly freeze"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PauseEnvironment(ctx, operator, "shop", "again"); !isKind(err, service.Conflict) {
		t.Errorf("pausing a paused environment: %v, want a conflict", err)
	}
	first := h.release("shop", "terraform-apply")
	second := h.release("shop", "full-plan")
	other := h.release("other", "terraform-apply")
	w := h.worker()
	h.runOnce(w) // the other environment's release runs
	if got := h.get(other.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("a release of an environment that is not paused: %s\n%s", got.Status, got.ErrorLog)
	}
	ran, err := w.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("a worker ran a release of a paused environment")
	}
	if got := h.get(first.ID); got.Status != release.StatusQueued {
		t.Errorf("first release of the paused environment: %s, want QUEUED", got.Status)
	}
	env, err := h.store.GetEnvironment(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if env.Paused == nil || env.Paused.By != "operator" || env.Paused.Reason != "quarterly freeze" {
		t.Errorf("paused %+v, want by operator for the quarterly freeze", env.Paused)
	}

	if err := svc.ResumeEnvironment(ctx, operator, "shop"); err != nil {
		t.Fatal(err)
	}
	h.runOnce(w)
	if got := h.get(first.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("first queued after the resume: %s\n%s", got.Status, got.ErrorLog)
	}
	if got := h.get(second.ID); got.Status != release.StatusQueued {
		t.Errorf("second release ran before the first: %s", got.Status)
	}
	h.runOnce(w)
	if got := h.get(second.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("second queued after the resume: %s\n%s", got.Status, got.ErrorLog)
	}
	if err := svc.ResumeEnvironment(ctx, operator, "shop"); !isKind(err, service.Conflict) {
		t.Errorf("resuming an environment that is not paused: %v, want a conflict", err)
	}
}

// isKind reports whether err is a use case's failure of kind k.
func isKind(err error, k service.Kind) bool {
	var se *service.Error
	return errors.As(err, &se) && se.Kind == k
}
