package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Many workers claiming at once never get two releases of one environment,
// and each environment's oldest release goes first.
func TestClaimOnePerEnvironmentOldestFirst(t *testing.T) {
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
	if !ids[a1.ID] || !ids[b1.ID] {
		t.Fatalf("claimed %v, want the oldest of each environment (%d, %d)", ids, a1.ID, b1.ID)
	}
	if r, _ := s.Claim(ctx, "late", time.Minute); r != nil {
		t.Fatalf("claimed %d while both environments are busy", r.ID)
	}
}

func TestLeaseExpiryStopsRelease(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r1 := newRelease(t, s, "a")
	r2 := newRelease(t, s, "a")
	claimed, err := s.Claim(ctx, "dying-worker", 200*time.Millisecond)
	if err != nil || claimed.ID != r1.ID {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	s.StartPhase(ctx, r1.ID, 0)
	if ok, _ := s.Heartbeat(ctx, r1.ID, "someone-else", time.Minute); ok {
		t.Fatal("a stranger renewed the lease")
	}
	time.Sleep(400 * time.Millisecond)
	ids, err := s.ReapExpired(ctx)
	if err != nil || len(ids) != 1 || ids[0] != r1.ID {
		t.Fatalf("reaped %v, %v", ids, err)
	}
	got, _ := s.GetRelease(ctx, r1.ID)
	if got.Status != release.StatusStopped || !strings.Contains(got.ErrorLog, "dying-worker stopped renewing its lease") || got.Phases[0].Status != release.PhaseStopped {
		t.Fatalf("after reap: %s %q %s", got.Status, got.ErrorLog, got.Phases[0].Status)
	}
	if ok, _ := s.Heartbeat(ctx, r1.ID, "dying-worker", time.Minute); ok {
		t.Fatal("the dead worker renewed a stopped release")
	}
	next, _ := s.Claim(ctx, "w2", time.Minute)
	if next == nil || next.ID != r2.ID {
		t.Fatalf("environment not freed: %v", next)
	}
}
