package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/secret"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// Many workers claiming at once never get two releases of one environment,
// and each environment's oldest release goes first.
func TestClaimOnePerEnvironmentOldestFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	newEnv(t, s, "b")
	a1, b1 := newRelease(t, s, "a"), newRelease(t, s, "b")
	newRelease(t, s, "a")
	newRelease(t, s, "b")

	var mu sync.Mutex
	var got []*release.Release
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Claim(ctx, fmt.Sprintf("w%d", i), time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			if r != nil {
				mu.Lock()
				got = append(got, r)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(got) != 2 {
		t.Fatalf("claimed %d releases, want 2 (one per environment)", len(got))
	}
	ids := map[int64]bool{got[0].ID: true, got[1].ID: true}
	if !ids[a1.ID] {
		t.Fatalf("claimed %v, want the oldest of environment a (%d)", ids, a1.ID)
	}
	if !ids[b1.ID] {
		t.Fatalf("claimed %v, want the oldest of environment b (%d)", ids, b1.ID)
	}
	r, err := s.Claim(ctx, "late", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if r != nil {
		t.Fatalf("claimed %d while both environments are busy", r.ID)
	}
}

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// leaseSetup is a store whose leases follow a test clock, with two
// releases of environment a: the first claimed by dying-worker for 200ms
// and started, the second queued behind it.
func leaseSetup(t *testing.T) (s *store.Store, clock *testClock, r1, r2 *release.Release) {
	t.Helper()
	ctx := context.Background()
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	clock = &testClock{t: time.Now()}
	s, err = store.Open(ctx, dbtest.URL(t), store.Options{Secrets: box, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	newEnv(t, s, "a")
	r1 = newRelease(t, s, "a")
	r2 = newRelease(t, s, "a")
	claimed, err := s.Claim(ctx, "dying-worker", 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if claimed == nil {
		t.Fatalf("claimed %v, want release %d", claimed, r1.ID)
	}
	if claimed.ID != r1.ID {
		t.Fatalf("claimed %v, want release %d", claimed, r1.ID)
	}
	if err := s.StartPhase(ctx, r1.ID, 0); err != nil {
		t.Fatal(err)
	}
	return s, clock, r1, r2
}

// reap moves the clock past the lease and reaps.
func reap(t *testing.T, s *store.Store, clock *testClock) []int64 {
	t.Helper()
	clock.Advance(400 * time.Millisecond)
	ids, err := s.ReapExpired(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestLeaseExpiryStopsRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a stranger cannot renew the lease", func(t *testing.T) {
		s, _, r1, _ := leaseSetup(t)
		ok, err := s.Heartbeat(ctx, r1.ID, "someone-else", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			t.Fatal("a stranger renewed the lease")
		}
	})
	t.Run("a live lease is not reaped", func(t *testing.T) {
		s, _, _, _ := leaseSetup(t)
		ids, err := s.ReapExpired(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 0 {
			t.Fatalf("reaped %v before the lease ran out", ids)
		}
	})
	t.Run("an expired lease is reaped", func(t *testing.T) {
		s, clock, r1, _ := leaseSetup(t)
		if ids := reap(t, s, clock); len(ids) != 1 || ids[0] != r1.ID {
			t.Fatalf("reaped %v, want [%d]", ids, r1.ID)
		}
	})
	t.Run("the reaped release is stopped", func(t *testing.T) {
		s, clock, r1, _ := leaseSetup(t)
		reap(t, s, clock)
		got, err := s.GetRelease(ctx, r1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != release.StatusStopped {
			t.Errorf("status %s, want STOPPED", got.Status)
		}
		if !strings.Contains(got.ErrorLog, "dying-worker stopped renewing its lease") {
			t.Errorf("error log %q does not say the worker stopped renewing its lease", got.ErrorLog)
		}
		if got.Phases[0].Status != release.PhaseStopped {
			t.Errorf("running phase %s, want STOPPED", got.Phases[0].Status)
		}
	})
	t.Run("the dead worker cannot renew", func(t *testing.T) {
		s, clock, r1, _ := leaseSetup(t)
		reap(t, s, clock)
		ok, err := s.Heartbeat(ctx, r1.ID, "dying-worker", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			t.Fatal("the dead worker renewed a stopped release")
		}
	})
	t.Run("the environment is freed", func(t *testing.T) {
		s, clock, _, r2 := leaseSetup(t)
		reap(t, s, clock)
		next, err := s.Claim(ctx, "w2", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if next == nil {
			t.Fatalf("environment not freed: claimed %v, want release %d", next, r2.ID)
		}
		if next.ID != r2.ID {
			t.Fatalf("environment not freed: claimed %v, want release %d", next, r2.ID)
		}
	})
}

// abortRecordedThenQueued is a release of environment a whose abort was
// recorded while a worker ran it, which then parked for approval and was
// approved: it is QUEUED again with its abort recorded.
func abortRecordedThenQueued(t *testing.T, s *store.Store) *release.Release {
	t.Helper()
	ctx := context.Background()
	newEnv(t, s, "a")
	r := newRelease(t, s, "a")
	if c, err := s.Claim(ctx, "first-worker", time.Minute); err != nil || c == nil {
		t.Fatalf("claiming the release: %v, %v", c, err)
	}
	if _, err := s.RequestAbort(ctx, r.ID, "carol", "stop it"); err != nil {
		t.Fatalf("requesting the abort: %v", err)
	}
	next := 2
	if err := s.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusInProgress, To: release.StatusPendingApproval, NextPhase: &next}); err != nil {
		t.Fatalf("parking the release: %v", err)
	}
	if err := s.Approve(ctx, r.ID, "dave", ""); err != nil {
		t.Fatalf("approving the release: %v", err)
	}
	return r
}

// A release whose abort is already recorded is never claimed: the claim
// ends it ABORTED in the same statement and returns nothing to run.
func TestClaimNeverStartsAnAbortedRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	r := abortRecordedThenQueued(t, s)
	got, err := s.Claim(ctx, "second-worker", time.Minute)
	if err != nil {
		t.Fatalf("claiming: %v", err)
	}
	if got != nil {
		t.Fatalf("claimed release %d (status %s), whose abort was recorded", got.ID, got.Status)
	}
	after, err := s.GetRelease(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != release.StatusAborted {
		t.Fatalf("status %s, want ABORTED", after.Status)
	}
	if after.Phases[0].StartedAt != nil {
		t.Fatalf("phase %s started at %v", after.Phases[0].Name, after.Phases[0].StartedAt)
	}
}

// A phase never starts once its release's abort is recorded: StartPhase
// says ErrAbortRequested and the phase stays as it was.
func TestStartPhaseRefusedAfterAbort(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r := newRelease(t, s, "a")
	if c, err := s.Claim(ctx, "w", time.Minute); err != nil || c == nil {
		t.Fatalf("claiming the release: %v, %v", c, err)
	}
	if _, err := s.RequestAbort(ctx, r.ID, "carol", ""); err != nil {
		t.Fatalf("requesting the abort: %v", err)
	}
	err := s.StartPhase(ctx, r.ID, 0)
	if !errors.Is(err, store.ErrAbortRequested) {
		t.Fatalf("StartPhase after the abort: %v, want ErrAbortRequested", err)
	}
	got, err := s.GetRelease(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Phases[0].Status != release.PhasePending {
		t.Fatalf("phase 0 is %s, want PENDING", got.Phases[0].Status)
	}
}
