package store_test

import (
	"context"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// The outbox fills itself: a release's creation and a plan that found
// drift each queue a delivery to a subscription that wants it, and none
// to one of another environment.
func TestWebhookOutboxFollowsReleases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "prod-eu")
	all := &release.Webhook{URL: "https://hooks.example.com/a", Environments: []string{"prod-*"}, Format: "standard", CreatedBy: "t"}
	other := &release.Webhook{URL: "https://hooks.example.com/b", Environments: []string{"staging"}, Format: "standard", CreatedBy: "t"}
	for _, w := range []*release.Webhook{all, other} {
		if err := s.CreateWebhook(ctx, w, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); err != nil {
			t.Fatal(err)
		}
	}
	r := newRelease(t, s, "prod-eu")
	drift := release.Change{Kind: release.KindDrift, Address: "terraform_data.db", Mode: "managed", Type: "terraform_data", Name: "db",
		Action: release.ChangeUpdate, Fields: []release.Field{}}
	if _, err := s.ReplaceChanges(ctx, r.ID, "plan", &sliceSource{cs: []release.Change{drift}}); err != nil {
		t.Fatal(err)
	}
	ds, err := s.ListWebhookDeliveries(ctx, all.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, d := range ds {
		events = append(events, d.Event)
	}
	if len(events) != 2 || events[0] != "release.drift_detected" || events[1] != "release.created" {
		t.Errorf("deliveries to prod-*: %v, want release.created then release.drift_detected (newest first)", events)
	}
	if ds, _ := s.ListWebhookDeliveries(ctx, other.ID, 0, 10); len(ds) != 0 {
		t.Errorf("a staging subscription got %d deliveries about prod-eu", len(ds))
	}
	var clear int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM webhook_subscriptions WHERE secret LIKE '%MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw%'`).Scan(&clear); err != nil {
		t.Fatal(err)
	}
	if clear != 0 {
		t.Error("a signing secret is stored in clear")
	}
}

// db prune removes ended deliveries older than the kept days, never a
// pending one.
func TestPruneRemovesOldDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	w := &release.Webhook{URL: "https://hooks.example.com/a", Format: "standard", CreatedBy: "t"}
	if err := s.CreateWebhook(ctx, w, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); err != nil {
		t.Fatal(err)
	}
	old, err := s.EnqueueWebhookTest(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordWebhookAttempt(ctx, old.ID, store.Attempt{Status: 204, Delivered: true}); err != nil {
		t.Fatal(err)
	}
	pending, err := s.EnqueueWebhookTest(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE webhook_deliveries SET created_at = now() - interval '40 days'`); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Prune(ctx, store.PruneOptions{KeepDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	if rep.WebhookDeliveries != 1 {
		t.Errorf("pruned %d deliveries, want the old delivered one", rep.WebhookDeliveries)
	}
	ds, err := s.ListWebhookDeliveries(ctx, w.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].ID != pending.ID {
		t.Errorf("left %+v, want the pending one", ds)
	}
}
