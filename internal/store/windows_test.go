package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/secret"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// A release of an environment outside its maintenance windows waits in
// the queue, while another environment's goes on; when the (injected)
// clock reaches the window, it is claimed.
func TestMaintenanceWindowHoldsTheQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	// Friday 2026-12-04 20:00 UTC = 21:00 in Berlin, an hour before the window
	clock := &testClock{t: time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)}
	s, err := store.Open(ctx, dbtest.URL(t), store.Options{Secrets: box, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	env := &release.Environment{Name: "prod", Source: release.Source{Dir: "/srv/prod"},
		MaintenanceWindows: []release.MaintenanceWindow{{Days: []string{"fri"}, Start: "22:00", End: "02:00", TimeZone: "Europe/Berlin"}}}
	if err := s.CreateEnvironment(ctx, env); err != nil {
		t.Fatal(err)
	}
	newEnv(t, s, "dev")
	held := newRelease(t, s, "prod")
	free := newRelease(t, s, "dev")
	got, err := s.Claim(ctx, "w", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || got.ID != free.ID {
		t.Fatalf("claimed %v, want the release of dev (%d): prod is outside its window", got, free.ID)
	}
	if got, err = s.Claim(ctx, "w", time.Minute); err != nil || got != nil {
		t.Fatalf("claimed %v (%v) outside prod's window, want nothing", got, err)
	}
	stored, err := s.GetEnvironment(ctx, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.MaintenanceWindows) != 1 || stored.MaintenanceWindows[0].TimeZone != "Europe/Berlin" {
		t.Errorf("stored windows %+v, want the Friday night one", stored.MaintenanceWindows)
	}
	clock.Advance(90 * time.Minute) // 22:30 in Berlin
	got, err = s.Claim(ctx, "w", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || got.ID != held.ID {
		t.Fatalf("claimed %v inside the window, want release %d", got, held.ID)
	}
}

// With an installation-wide limit, no release starts while that many run,
// whatever environment it is of; when one ends, the next starts.
func TestClaimLimited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	for _, name := range []string{"a", "b", "c"} {
		newEnv(t, s, name)
	}
	first, second, third := newRelease(t, s, "a"), newRelease(t, s, "b"), newRelease(t, s, "c")
	for _, want := range []*release.Release{first, second} {
		got, err := s.ClaimLimited(ctx, "w", time.Minute, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got == nil || got.ID != want.ID {
			t.Fatalf("claimed %v, want release %d", got, want.ID)
		}
	}
	if got, err := s.ClaimLimited(ctx, "w", time.Minute, 2); err != nil || got != nil {
		t.Fatalf("claimed %v (%v) with two running and a limit of 2, want nothing", got, err)
	}
	if err := s.Transition(ctx, store.StatusChange{ID: first.ID, From: release.StatusInProgress, To: release.StatusSucceeded}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClaimLimited(ctx, "w", time.Minute, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || got.ID != third.ID {
		t.Fatalf("claimed %v once one ended, want release %d", got, third.ID)
	}
}
