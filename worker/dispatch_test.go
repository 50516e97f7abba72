package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// waitFinished waits (on a ticker, bounded by a minute per release) until
// each release is finished and returns them.
func (h *harness) waitFinished(ids ...int64) []*release.Release {
	h.t.Helper()
	out := make([]*release.Release, len(ids))
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(time.Duration(len(ids)) * time.Minute)
	for i, id := range ids {
		for out[i] = h.get(id); !out[i].Status.Terminal(); out[i] = h.get(id) {
			select {
			case <-deadline:
				h.t.Fatalf("release %d still %s: the worker never claimed it although it was idle", id, out[i].Status)
			case <-tick.C:
			}
		}
	}
	return out
}

// Dispatch: with polling effectively off (an hour), an idle worker takes a
// release as soon as it is queued, and the next release of the same
// environment as soon as the first ends: both wake-ups come from the
// queue notification alone.
func TestIdleWorkerWakesOnQueuedRelease(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cfg.PollInterval = time.Hour
	h.env("shop", config(t, map[string]string{"main.tf": `resource "terraform_data" "a" { input = "x" }`}))
	w := h.worker()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	defer func() { stop(); <-done }()

	first := h.release("shop", "full-plan")
	second := h.release("shop", "full-plan")
	got := h.waitFinished(first.ID, second.ID)
	for _, r := range got {
		if r.Status != release.StatusSucceeded {
			t.Errorf("release %d: %s\n%s", r.ID, r.Status, r.ErrorLog)
		}
	}
	if got[1].StartedAt.Before(*got[0].FinishedAt) {
		t.Errorf("release %d of the same environment started before %d finished", second.ID, first.ID)
	}
}
