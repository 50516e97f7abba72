package service

import (
	"context"
	"fmt"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Queue is environment name's queue: its releases that have not finished,
// in the order they run, each saying what it waits for. Forbidden without
// the viewer role on it; NotFound. A queued release is cancelled by aborting it
// (Abort).
func (s *Service) Queue(ctx context.Context, c Caller, name string) (*apiwire.Queue, error) {
	if err := c.Authorize(apiwire.RoleViewer, name, "reading a queue"); err != nil {
		return nil, err
	}
	env, err := s.store.GetEnvironment(ctx, name)
	if err != nil {
		return nil, typed(err)
	}
	rs, err := s.store.EnvironmentQueue(ctx, name, 0)
	if err != nil {
		return nil, typed(err)
	}
	q := &apiwire.Queue{Environment: name, Paused: env.Paused, Releases: []apiwire.QueueEntry{}}
	now := s.savedPlans.now()
	if !release.WindowsOpen(env.MaintenanceWindows, now) {
		if next, ok := release.NextOpening(env.MaintenanceWindows, now); ok {
			q.WindowOpens = &next
		}
	}
	pos := 0
	var ahead *release.Release
	for _, r := range rs {
		e := apiwire.QueueEntry{Release: r}
		if r.Status == release.StatusQueued {
			pos++
			e.Position = pos
			e.WaitsFor = waitsFor(r, ahead, q, pos, env.Runner, env.Namespace)
		}
		q.Releases = append(q.Releases, e)
		ahead = r
	}
	return q, nil
}

// waitsFor says what a queued release waits for, the one ahead of it
// being ahead (nil: none), in an environment run by runner in namespace ns.
func waitsFor(r, ahead *release.Release, q *apiwire.Queue, pos int, runner release.Runner, ns string) string {
	switch {
	case r.AbortRequested != nil:
		return "nothing: its abort is recorded, it ends when a worker reaches it"
	case pos > 1 && ahead != nil:
		return fmt.Sprintf("release %d, ahead of it", ahead.ID)
	case q.Paused != nil:
		return fmt.Sprintf("the environment to be resumed (paused by %s: %s)", q.Paused.By, q.Paused.Reason)
	case q.WindowOpens != nil:
		return "the maintenance window opening at " + q.WindowOpens.UTC().Format(time.RFC3339)
	case ahead != nil && ahead.Status == release.StatusPendingApproval:
		return fmt.Sprintf("release %d, waiting for approval", ahead.ID)
	case ahead != nil:
		return fmt.Sprintf("release %d, in progress", ahead.ID)
	}
	if runner == release.RunnerJob {
		return fmt.Sprintf("a runner Job in namespace %s (made by shiplog controller --runner=job watching it)", ns)
	}
	return "a free worker"
}
