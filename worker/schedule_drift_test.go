package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/scheduler"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/statebackend"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/webhook"
)

// tamperState changes resource terraform_data.<name>'s input and output in
// environment env's state "outside" terraform: through shiplog's http state
// backend (as a terraform of release rel would), serial+1, same lineage.
// terraform_data does not refresh, so the next plan sees the difference
// from its configuration as a change.
func tamperState(t *testing.T, h *harness, env *release.Environment, rel int64, name, value string) {
	t.Helper()
	be, err := statebackend.Start(statebackend.Config{Store: h.store, EnvironmentID: env.ID, Environment: env.Name, ReleaseID: rel})
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	creds := be.Env()
	call := func(method string, body []byte) []byte {
		req, err := http.NewRequest(method, be.Address(), bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(creds["TF_HTTP_USERNAME"], creds["TF_HTTP_PASSWORD"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s of the state: %s: %s", method, resp.Status, b)
		}
		return b
	}
	var state map[string]any
	if err := json.Unmarshal(call("GET", nil), &state); err != nil {
		t.Fatal(err)
	}
	state["serial"] = state["serial"].(float64) + 1
	found := false
	for _, r := range state["resources"].([]any) {
		r := r.(map[string]any)
		if r["type"] != "terraform_data" || r["name"] != name {
			continue
		}
		for _, in := range r["instances"].([]any) {
			attrs := in.(map[string]any)["attributes"].(map[string]any)
			attrs["input"] = map[string]any{"value": value, "type": "string"}
			attrs["output"] = map[string]any{"value": value, "type": "string"}
			found = true
		}
	}
	if !found {
		t.Fatalf("the state has no terraform_data.%s", name)
	}
	b, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	call("POST", b)
}

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
	tamperState(t, h, env, applied.ID, "v1_a", "changed by hand")

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
