package worker_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/scheduler"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/webhook"
)

// An environment applied once, its state then changed outside terraform
// (through the state backend), is planned by its nightly full-plan
// schedule, fired on an injected clock and run by a real worker and the
// real terraform: the changed resource is OUT_OF_SYNC with the plan named
// as where drift was found, release.drift_detected reaches a subscriber,
// and the next successful apply clears the drift.
func TestScheduledPlanRecordsDrift(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	rc, _ := subscribe(t, h)
	env := h.env("shop", namedConfig(t, "v1", 2))
	w := h.worker()
	applied := h.release("shop", "terraform-apply")
	h.runOnce(w)
	if got := h.get(applied.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("the first apply: %s\n%s", got.Status, got.ErrorLog)
	}
	testutil.TamperState(t, h.store, env.ID, env.Name, applied.ID, "v1_a", "changed by hand")

	svc := h.service()
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	svc.SetClock(func() time.Time { return now })
	sc, err := svc.CreateSchedule(ctx, policyAdmin, "shop", apiwire.ScheduleRequest{Name: "nightly", Cron: "0 3 * * *", TimeZone: "Europe/Berlin", Template: "full-plan"})
	if err != nil {
		t.Fatal(err)
	}
	clock := sc.NextAt
	s, err := scheduler.New(scheduler.Config{Store: h.store, Service: svc, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.FireDue(ctx); err != nil || n != 1 {
		t.Fatalf("FireDue at the tick: %d, %v; want 1", n, err)
	}
	h.runOnce(w)
	fired, err := h.store.GetSchedule(ctx, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	plan := h.get(fired.LastReleaseID)
	if plan.Status != release.StatusSucceeded {
		t.Fatalf("the scheduled plan: %s\n%s", plan.Status, plan.ErrorLog)
	}
	if plan.TriggeredBy != sc.Caller() {
		t.Errorf("the scheduled plan was triggered by %q, want %q", plan.TriggeredBy, sc.Caller())
	}

	rs, err := h.store.ListResourceStatus(ctx, "shop", "")
	if err != nil {
		t.Fatal(err)
	}
	byAddr := map[string]release.ResourceStatus{}
	for _, r := range rs {
		byAddr[r.Address] = r
	}
	drifted, kept := byAddr["terraform_data.v1_a"], byAddr["terraform_data.v1_b"]
	if drifted.SyncStatus != release.OutOfSync {
		t.Errorf("the changed resource is %s, want OUT_OF_SYNC", drifted.SyncStatus)
	}
	if drifted.DriftReleaseID != plan.ID {
		t.Errorf("the changed resource's drift release is %d, want the scheduled plan %d", drifted.DriftReleaseID, plan.ID)
	}
	if drifted.DriftedAt == nil {
		t.Error("the changed resource has no drifted_at")
	}
	if kept.SyncStatus != release.InSync || kept.DriftReleaseID != 0 {
		t.Errorf("the untouched resource is %s with drift release %d, want IN_SYNC without drift", kept.SyncStatus, kept.DriftReleaseID)
	}

	d := &webhook.Dispatcher{Store: h.store, AllowPrivate: true}
	testutil.Eventually(t, "release.drift_detected delivered", 30*time.Second, func() bool {
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		return slices.Contains(rc.got(), "release.drift_detected")
	})

	// an apply puts the resource back as configured: no drift left
	fix := h.release("shop", "terraform-apply")
	h.runOnce(w)
	if got := h.get(fix.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("the fixing apply: %s\n%s", got.Status, got.ErrorLog)
	}
	rs, err = h.store.ListResourceStatus(ctx, "shop", "terraform_data.v1_a")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].SyncStatus != release.InSync || rs[0].DriftReleaseID != 0 {
		t.Errorf("after the apply: %+v, want IN_SYNC without drift", rs)
	}
}
