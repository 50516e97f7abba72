package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
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

func TestAbortQueuedAndRunning(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r1, r2 := newRelease(t, s, "a"), newRelease(t, s, "a")
	s.Claim(ctx, "w", time.Minute)
	if st, err := s.RequestAbort(ctx, r2.ID, "bob", "wrong branch"); err != nil || st != release.StatusQueued {
		t.Fatalf("abort queued: %s %v", st, err)
	}
	got, _ := s.GetRelease(ctx, r2.ID)
	if got.Status != release.StatusAborted || got.ErrorLog != "aborted by bob: wrong branch" {
		t.Fatalf("queued release after abort: %s %q", got.Status, got.ErrorLog)
	}
	if st, err := s.RequestAbort(ctx, r1.ID, "bob", ""); err != nil || st != release.StatusInProgress {
		t.Fatalf("abort running: %s %v", st, err)
	}
	if ok, _ := s.AbortRequested(ctx, r1.ID); !ok {
		t.Fatal("abort request not stored")
	}
	s.Transition(ctx, store.StatusChange{ID: r1.ID, From: release.StatusInProgress, To: release.StatusAborted})
	if _, err := s.RequestAbort(ctx, r1.ID, "bob", ""); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("abort of a finished release: %v", err)
	}
}

func TestAppendLogsIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r := newRelease(t, s, "a")
	var batch []release.LogEntry
	for i := 1; i <= 10; i++ {
		batch = append(batch, release.LogEntry{ReleaseID: r.ID, Seq: int64(i), Phase: "plan", Time: time.Now(), Stream: release.Stdout,
			Text: fmt.Sprintf("line %d\x00", i), DeploymentType: release.DeploymentRegular})
	}
	if err := s.AppendLogs(ctx, batch[:6]); err != nil {
		t.Fatal(err)
	}
	// a retry after a lost acknowledgement overlaps what was written
	if err := s.AppendLogs(ctx, batch[3:]); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListLogs(ctx, r.ID, "", 0, 100)
	if err != nil || len(got) != 10 {
		t.Fatalf("got %d lines, %v", len(got), err)
	}
	for i, e := range got {
		if e.Seq != int64(i+1) || e.Text != fmt.Sprintf("line %d", i+1) {
			t.Fatalf("line %d: %+v", i, e)
		}
	}
	page, _ := s.ListLogs(ctx, r.ID, "plan", 7, 2)
	if len(page) != 2 || page[0].Seq != 8 {
		t.Fatalf("page after 7: %+v", page)
	}
}

type sliceSource struct {
	cs []release.Change
	i  int
}

func (s *sliceSource) Next() (release.Change, error) {
	if s.i >= len(s.cs) {
		return release.Change{}, io.EOF
	}
	s.i++
	return s.cs[s.i-1], nil
}

func TestReplaceChanges(t *testing.T) {
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r := newRelease(t, s, "a")
	mod := "module.net"
	changes := []release.Change{
		{Address: "terraform_data.a", Mode: "managed", Type: "terraform_data", Name: "a", Action: release.ChangeCreate, Modification: release.ModCreated,
			Fields: []release.Field{{Path: "input.a", After: "1"}}},
		{Address: "module.net.terraform_data.b[0]", ModuleAddress: &mod, Mode: "managed", Type: "terraform_data", Name: "b", Index: 0,
			Action: release.ChangeUpdate, Modification: release.ModUpdated, Fields: []release.Field{{Path: "input", Sensitive: true, Changed: true}}},
		{Address: "terraform_data.c", Mode: "managed", Type: "terraform_data", Name: "c", Action: release.ChangeNoOp},
		{Kind: release.KindOutput, Address: "output.url", Action: release.ChangeUpdate},
	}
	for range 2 { // the second ingestion replaces the first
		sum, err := s.ReplaceChanges(ctx, r.ID, "plan", &sliceSource{cs: changes})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Create != 1 || sum.Update != 1 || sum.NoOp != 1 {
			t.Fatalf("summary %+v", sum)
		}
	}
	all, _ := s.ListChanges(ctx, r.ID, store.ChangeFilter{})
	if len(all) != 2 {
		t.Fatalf("listed %d resource changes (no-ops hidden), want 2", len(all))
	}
	inMod, _ := s.ListChanges(ctx, r.ID, store.ChangeFilter{Module: "module.net"})
	if len(inMod) != 1 || !inMod[0].Fields[0].Sensitive || inMod[0].Index == nil {
		t.Fatalf("module filter: %+v", inMod)
	}
	outs, _ := s.ListChanges(ctx, r.ID, store.ChangeFilter{Kind: release.KindOutput})
	if len(outs) != 1 {
		t.Fatalf("outputs: %+v", outs)
	}
	got, _ := s.GetRelease(ctx, r.ID)
	if got.Summary.Create != 1 {
		t.Fatalf("release summary %+v", got.Summary)
	}
	if _, err := s.ReplaceChanges(ctx, 987654, "plan", &sliceSource{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown release: %v", err)
	}
}
