package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// abortedBeforeClaim is a queued release whose abort is already recorded:
// asked while an earlier worker ran it, which parked it for approval
// before it noticed; then approved.
func abortedBeforeClaim(t *testing.T, h *harness) *release.Release {
	t.Helper()
	ctx := context.Background()
	h.env("shop", config(t, map[string]string{"main.tf": `resource "terraform_data" "x" {}`}))
	r := h.release("shop", "terraform-apply")
	if c, err := h.store.Claim(ctx, "earlier-worker", time.Minute); err != nil || c == nil {
		t.Fatalf("claiming as the earlier worker: %v, %v", c, err)
	}
	if _, err := h.store.RequestAbort(ctx, r.ID, "carol", "not today"); err != nil {
		t.Fatalf("requesting the abort: %v", err)
	}
	next := 0
	if err := h.store.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusInProgress, To: release.StatusPendingApproval, NextPhase: &next}); err != nil {
		t.Fatalf("parking the release: %v", err)
	}
	approve(t, h, r.ID, "dave")
	return r
}

// A worker never starts a release whose abort is already recorded: it
// claims nothing, no phase starts and the release ends ABORTED.
func TestAbortRecordedBeforeClaimNeverRuns(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := abortedBeforeClaim(t, h)
	ran, err := h.worker().RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if ran {
		t.Errorf("the worker ran release %d, whose abort was recorded", r.ID)
	}
	got := h.get(r.ID)
	if got.Status != release.StatusAborted {
		t.Fatalf("status %s, want ABORTED", got.Status)
	}
	for _, p := range got.Phases {
		if p.StartedAt != nil {
			t.Errorf("phase %s started at %v", p.Name, p.StartedAt)
		}
	}
	if text := joinLogs(h.logs(r.ID)); strings.Contains(text, "picked up") {
		t.Errorf("a worker picked the release up:\n%s", text)
	}
}
