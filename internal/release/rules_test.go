package release_test

import (
	"errors"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

func TestCreated(t *testing.T) {
	t.Parallel()
	for _, s := range release.Statuses {
		t.Run(string(s), func(t *testing.T) {
			wantRun := s == release.StatusQueued
			if err := release.Created(s, false); (err == nil) != wantRun {
				t.Errorf("Created(%s, to run) = %v, want allowed %v", s, err, wantRun)
			}
			wantRecorded := s == release.StatusSucceeded || s == release.StatusFailed
			if err := release.Created(s, true); (err == nil) != wantRecorded {
				t.Errorf("Created(%s, recorded) = %v, want allowed %v", s, err, wantRecorded)
			}
		})
	}
}

func TestPhaseNeedsApproval(t *testing.T) {
	t.Parallel()
	apply := release.Phase{Name: "apply", Action: release.ActionApply}
	plan := release.Phase{Name: "plan", Action: release.ActionPlan}
	asks := release.Phase{Name: "plan", Action: release.ActionPlan, Options: release.PhaseOptions{ApprovalRequired: true}}
	strict := &release.Environment{ApprovalRequired: true}
	lax := &release.Environment{}
	cases := []struct {
		name  string
		p     release.Phase
		env   *release.Environment
		wants bool
	}{
		{"apply in a strict environment", apply, strict, true},
		{"apply in a lax environment", apply, lax, false},
		{"apply without environment settings", apply, nil, false},
		{"plan in a strict environment", plan, strict, false},
		{"phase that asks, lax environment", asks, lax, true},
		{"phase that asks, no environment settings", asks, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.p.NeedsApproval(c.env); got != c.wants {
				t.Errorf("NeedsApproval = %v, want %v", got, c.wants)
			}
		})
	}
	t.Run("release of phases", func(t *testing.T) {
		if !release.NeedsApproval(strict, []release.Phase{plan, apply}) {
			t.Error("a plan+apply release in a strict environment does not need approval")
		}
	})
	t.Run("release of phases, lax", func(t *testing.T) {
		if release.NeedsApproval(lax, []release.Phase{plan, apply}) {
			t.Error("a plan+apply release in a lax environment needs approval")
		}
	})
}

func TestAbortWay(t *testing.T) {
	t.Parallel()
	want := map[release.Status]release.AbortWay{
		release.StatusQueued:          release.AbortNow,
		release.StatusPendingApproval: release.AbortNow,
		release.StatusInProgress:      release.AbortByRequest,
	}
	for _, s := range release.Statuses {
		t.Run(string(s), func(t *testing.T) {
			w, ok := want[s]
			if !ok {
				w = release.AbortRefused
			}
			if got := s.AbortWay(); got != w {
				t.Errorf("AbortWay = %v, want %v", got, w)
			}
		})
	}
}

func TestMayAbort(t *testing.T) {
	t.Parallel()
	req := &release.AbortRequest{By: "ops", At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	t.Run("finished", func(t *testing.T) {
		err := (&release.Release{ID: 7, Status: release.StatusSucceeded}).MayAbort()
		var ae *release.AbortError
		if !errors.As(err, &ae) {
			t.Fatalf("MayAbort = %v, want an *AbortError", err)
		}
		if got, want := err.Error(), "release 7 is already finished (SUCCEEDED): there is nothing to abort"; got != want {
			t.Errorf("message = %q, want %q", got, want)
		}
	})
	t.Run("running, already requested", func(t *testing.T) {
		err := (&release.Release{ID: 7, Status: release.StatusInProgress, AbortRequested: req}).MayAbort()
		if err == nil {
			t.Fatal("MayAbort allowed a second request while the first waits for its worker")
		}
		if got, want := err.Error(), "release 7: ops already asked to abort it at 2026-01-02T03:04:05Z"; got != want {
			t.Errorf("message = %q, want %q", got, want)
		}
	})
	t.Run("parked with an old request", func(t *testing.T) {
		if err := (&release.Release{ID: 7, Status: release.StatusPendingApproval, AbortRequested: req}).MayAbort(); err != nil {
			t.Errorf("MayAbort = %v, want nil: an unhonoured request does not block aborting a parked release", err)
		}
	})
	t.Run("queued", func(t *testing.T) {
		if err := (&release.Release{ID: 7, Status: release.StatusQueued}).MayAbort(); err != nil {
			t.Errorf("MayAbort = %v, want nil", err)
		}
	})
}
