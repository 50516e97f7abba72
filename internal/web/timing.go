package web

import (
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// timeSplit is a release's time taken split into the time it ran and the
// time it waited for approval (nil when it did not wait).
type timeSplit struct {
	Running, Waiting *time.Duration
	// WaitingSince is when the release began to wait, while it waits.
	WaitingSince *time.Time
}

// splitTime splits a release's time taken: it waited for approval from
// the end of the last phase that finished before the decision (or before
// now, while it waits) to the decision; it ran the rest of the time from
// its start to its end (or to now).
func splitTime(r *release.Release, now time.Time) timeSplit {
	var ts timeSplit
	if r.StartedAt == nil || !r.Approval.Required {
		return ts
	}
	decided := r.Approval.At
	var parked *time.Time
	for _, ph := range r.Phases {
		if f := ph.FinishedAt; f != nil && (decided == nil || !f.After(*decided)) && (parked == nil || f.After(*parked)) {
			parked = f
		}
	}
	if parked == nil {
		parked = r.StartedAt
	}
	end := now
	if r.FinishedAt != nil {
		end = *r.FinishedAt
	}
	var waiting time.Duration
	switch {
	case r.Status == release.StatusPendingApproval:
		ts.WaitingSince = parked
		waiting = end.Sub(*parked)
	case decided != nil && decided.After(*parked):
		waiting = decided.Sub(*parked)
	default:
		return ts
	}
	running := end.Sub(*r.StartedAt) - waiting
	ts.Running, ts.Waiting = &running, &waiting
	return ts
}
