package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

func TestAbortQueuedAndRunning(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r1, r2 := newRelease(t, s, "a"), newRelease(t, s, "a")
	if _, err := s.Claim(ctx, "w", time.Minute); err != nil {
		t.Fatal(err)
	}
	st, err := s.RequestAbort(ctx, r2.ID, "bob", "wrong branch")
	if err != nil {
		t.Fatal(err)
	}
	if st != release.StatusQueued {
		t.Fatalf("abort queued: %s %v", st, err)
	}
	got, err := s.GetRelease(ctx, r2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != release.StatusAborted {
		t.Fatalf("queued release after abort: %s %q", got.Status, got.ErrorLog)
	}
	if got.ErrorLog != "aborted by bob: wrong branch" {
		t.Fatalf("queued release after abort: %s %q", got.Status, got.ErrorLog)
	}
	st, err = s.RequestAbort(ctx, r1.ID, "bob", "")
	if err != nil {
		t.Fatal(err)
	}
	if st != release.StatusInProgress {
		t.Fatalf("abort running: %s %v", st, err)
	}
	ok, err := s.AbortRequested(ctx, r1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatal("abort request not stored")
	}
	if err := s.Transition(ctx, store.StatusChange{ID: r1.ID, From: release.StatusInProgress, To: release.StatusAborted}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RequestAbort(ctx, r1.ID, "bob", ""); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("abort of a finished release: %v", err)
	}
}

// Two writers race to move the same release out of IN_PROGRESS: exactly one
// wins, the other learns what happened.
func TestTransitionCompareAndSet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "prod")
	for round := range 10 {
		r := newRelease(t, s, "prod")
		if err := s.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusQueued, To: release.StatusInProgress, LeaseOwner: "w1", LeaseFor: time.Minute}); err != nil {
			t.Fatal(err)
		}
		targets := []release.Status{release.StatusSucceeded, release.StatusAborted}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = s.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusInProgress, To: targets[i]})
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			if err == nil {
				won++
				continue
			}
			var ce *store.StatusConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("round %d: loser got %v", round, err)
			}
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("round %d: loser got %v", round, err)
			}
			if ce.Found != targets[1-i] {
				t.Fatalf("round %d: loser got %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d writers won", round, won)
		}
		got, err := s.GetRelease(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Status.Terminal() {
			t.Fatalf("round %d: release after race: %+v", round, got)
		}
		if got.FinishedAt == nil {
			t.Fatalf("round %d: release after race: %+v", round, got)
		}
		if got.StartedAt == nil {
			t.Fatalf("round %d: release after race: %+v", round, got)
		}
	}
}

func TestTransitionRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "prod")
	a, b := newRelease(t, s, "prod"), newRelease(t, s, "prod")
	// an illegal move never reaches the database
	if err := s.Transition(ctx, store.StatusChange{ID: a.ID, From: release.StatusQueued, To: release.StatusSucceeded}); err == nil || !strings.Contains(err.Error(), "QUEUED to SUCCEEDED") {
		t.Fatalf("illegal move: %v", err)
	}
	if err := s.Transition(ctx, store.StatusChange{ID: a.ID, From: release.StatusQueued, To: release.StatusInProgress, LeaseOwner: "w1", LeaseFor: time.Minute}); err != nil {
		t.Fatal(err)
	}
	// the database itself keeps one active release per environment
	err := s.Transition(ctx, store.StatusChange{ID: b.ID, From: release.StatusQueued, To: release.StatusInProgress, LeaseOwner: "w2", LeaseFor: time.Minute})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second active release: %v", err)
	}
	if !strings.Contains(err.Error(), "in progress") {
		t.Fatalf("second active release: %v", err)
	}
	if err := s.Transition(ctx, store.StatusChange{ID: a.ID, From: release.StatusInProgress, To: release.StatusFailed, Reason: "Error: boom"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRelease(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ErrorLog != "Error: boom" {
		t.Fatalf("error log %q", got.ErrorLog)
	}
	if err := s.Transition(ctx, store.StatusChange{ID: 424242, From: release.StatusQueued, To: release.StatusAborted}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown release: %v", err)
	}
}

// phaseEndSetup makes a release claimed by a worker whose first phase is
// running and whose others have not started.
func phaseEndSetup(t *testing.T) (*store.Store, *release.Release) {
	t.Helper()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r := newRelease(t, s, "a")
	if len(r.Phases) < 2 {
		t.Fatalf("the fixture release has %d phases, want at least 2", len(r.Phases))
	}
	if _, err := s.Claim(ctx, "w", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.StartPhase(ctx, r.ID, 0); err != nil {
		t.Fatal(err)
	}
	return s, r
}

// A release's move to a final status ends its phases in the same
// transaction: the running one as the release's status says, the rest
// SKIPPED.
func TestFinalStatusEndsPhases(t *testing.T) {
	t.Parallel()
	for _, final := range []release.Status{release.StatusFailed, release.StatusAborted, release.StatusStopped, release.StatusTimedOut} {
		t.Run(string(final), func(t *testing.T) {
			t.Parallel()
			s, r := phaseEndSetup(t)
			ctx := context.Background()
			if err := s.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusInProgress, To: final}); err != nil {
				t.Fatal(err)
			}
			got, err := s.GetRelease(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := final.RunningPhaseEnd()
			if got.Phases[0].Status != want {
				t.Errorf("running phase after %s: %s, want %s", final, got.Phases[0].Status, want)
			}
			if got.Phases[0].FinishedAt == nil {
				t.Errorf("running phase after %s has no finish time", final)
			}
			for _, p := range got.Phases[1:] {
				if p.Status != release.PhaseSkipped {
					t.Errorf("phase %s that never started, after %s: %s, want SKIPPED", p.Name, final, p.Status)
				}
			}
		})
	}
}

// Aborting a release waiting for approval records who aborted it and skips
// its phases together with the move.
func TestAbortWaitingReleaseSkipsPhases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r := newRelease(t, s, "a")
	if _, err := s.Claim(ctx, "w", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPhaseStatus(ctx, r.ID, 1, release.PhasePendingApproval); err != nil {
		t.Fatal(err)
	}
	next := 1
	if err := s.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusInProgress, To: release.StatusPendingApproval, NextPhase: &next}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RequestAbort(ctx, r.ID, "bob", ""); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRelease(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != release.StatusAborted {
		t.Fatalf("status after abort: %s", got.Status)
	}
	for _, p := range got.Phases[1:] {
		if p.Status != release.PhaseSkipped {
			t.Errorf("phase %s after abort: %s, want SKIPPED", p.Name, p.Status)
		}
	}
	asked, err := s.AbortRequested(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !asked {
		t.Error("who aborted the release was not recorded")
	}
}

// An approved release is queued again, and keeps the time it was first
// queued: the page's "Queued" says when it was asked for, not when it was
// approved (the approval has its own time).
func TestApprovedReleaseKeepsFirstQueuedTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r := newRelease(t, s, "a")
	if _, err := s.Claim(ctx, "w", time.Minute); err != nil {
		t.Fatal(err)
	}
	next := 1
	if err := s.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusInProgress, To: release.StatusPendingApproval, NextPhase: &next}); err != nil {
		t.Fatal(err)
	}
	if err := s.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusPendingApproval, To: release.StatusQueued, ApprovedBy: "bob"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRelease(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.QueuedAt == nil || r.QueuedAt == nil || !got.QueuedAt.Equal(*r.QueuedAt) {
		t.Errorf("queued_at after approval: %v, want the first %v", got.QueuedAt, r.QueuedAt)
	}
	if got.Approval.At == nil || got.Approval.At.Before(*got.QueuedAt) {
		t.Errorf("approved at %v, queued at %v: the approval's own time is lost", got.Approval.At, got.QueuedAt)
	}
}
