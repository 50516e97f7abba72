package web

import (
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// TestSplitTime: an approved release's time taken is split into running
// and waiting for approval; one still waiting counts to now.
func TestSplitTime(t *testing.T) {
	at := func(min int) *time.Time {
		v := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC).Add(time.Duration(min) * time.Minute)
		return &v
	}
	phases := func(ends ...*time.Time) []release.Phase {
		var ps []release.Phase
		for _, e := range ends {
			ps = append(ps, release.Phase{FinishedAt: e})
		}
		return ps
	}
	t.Run("approved after 35 minutes", func(t *testing.T) {
		r := &release.Release{Status: release.StatusSucceeded, StartedAt: at(0), FinishedAt: at(38),
			Approval: release.Approval{Required: true, At: at(36)}, Phases: phases(at(1), at(1), at(1), at(38))}
		ts := splitTime(r, *at(90))
		if ts.Waiting == nil || *ts.Waiting != 35*time.Minute {
			t.Errorf("waiting %v, want 35m", ts.Waiting)
		}
		if ts.Running == nil || *ts.Running != 3*time.Minute {
			t.Errorf("running %v, want 3m", ts.Running)
		}
	})
	t.Run("waiting now", func(t *testing.T) {
		r := &release.Release{Status: release.StatusPendingApproval, StartedAt: at(0),
			Approval: release.Approval{Required: true}, Phases: phases(at(1), at(2), nil)}
		ts := splitTime(r, *at(10))
		if ts.WaitingSince == nil || !ts.WaitingSince.Equal(*at(2)) || *ts.Waiting != 8*time.Minute || *ts.Running != 2*time.Minute {
			t.Errorf("got since %v waiting %v running %v, want since 03:02, 8m and 2m", ts.WaitingSince, ts.Waiting, ts.Running)
		}
	})
	t.Run("no approval", func(t *testing.T) {
		r := &release.Release{Status: release.StatusSucceeded, StartedAt: at(0), FinishedAt: at(3), Phases: phases(at(3))}
		if ts := splitTime(r, *at(9)); ts.Waiting != nil || ts.Running != nil {
			t.Errorf("a release without approval has no split, got %+v", ts)
		}
	})
}
