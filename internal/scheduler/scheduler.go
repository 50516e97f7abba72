// Package scheduler fires the environments' schedules (release.Schedule):
// every shiplog server runs one. A due schedule queues one release through
// the same use case as every other release (service.CreateRelease), by a
// caller named after it; ticks missed while no scheduler ran are fired
// once; a schedule whose previous release is still QUEUED queues nothing
// (the tick is skipped and why recorded); several schedulers on one
// database fire each tick once (the store locks a schedule while one fires
// it, and the release's idempotency key names the schedule and tick).
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// DefaultInterval is how often Run looks for due schedules unless told.
const DefaultInterval = 15 * time.Second

// Config is what a Scheduler needs.
type Config struct {
	Store   *store.Store
	Service *service.Service
	// Log may be nil.
	Log hclog.Logger
	// Now is the clock schedules come due by (time.Now when nil; tests
	// inject theirs).
	Now func() time.Time
	// Interval is how often Run looks for due schedules (DefaultInterval
	// when 0). A schedule fires at most this long after its tick.
	Interval time.Duration
}

// Scheduler fires due schedules. Run it, or call FireDue.
type Scheduler struct {
	cfg  Config
	wake chan struct{}
}

// New makes a Scheduler; Store and Service are required.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Store == nil || cfg.Service == nil {
		return nil, errors.New("scheduler: a store and a service are required")
	}
	if cfg.Log == nil {
		cfg.Log = hclog.NewNullLogger()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	return &Scheduler{cfg: cfg, wake: make(chan struct{}, 1)}, nil
}

// Wake makes Run look for due schedules now rather than at its next
// interval (tests, after moving their clock).
func (s *Scheduler) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run fires due schedules at once, then every Interval and whenever woken,
// until ctx ends (it then returns nil). A failure to fire is logged and
// tried again at the next look.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := s.FireDue(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Log.Warn("firing schedules", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.wake:
		}
	}
}

// FireDue fires every schedule due at Now(), each once however many of its
// ticks passed, and returns how many it fired (queued a release or
// skipped). It stops at the first error (that schedule stays due).
func (s *Scheduler) FireDue(ctx context.Context) (int, error) {
	n := 0
	now := s.cfg.Now()
	for {
		due, err := s.cfg.Store.FireDueSchedule(ctx, now, func(ctx context.Context, sc *release.Schedule) (store.ScheduleFiring, error) {
			return s.fire(ctx, sc, now)
		})
		if err != nil {
			return n, err
		}
		if !due {
			return n, nil
		}
		n++
	}
}

// fire queues sc's release for its due tick, or says why not, and when sc
// is due next: the first tick after now (missed ticks are not run again).
func (s *Scheduler) fire(ctx context.Context, sc *release.Schedule, now time.Time) (store.ScheduleFiring, error) {
	log := s.cfg.Log.With("schedule", sc.ID, "name", sc.Name, "environment", sc.Environment)
	cr, err := sc.ParsedCron()
	if err != nil {
		// stored before a rule changed: try again in a day, and say why
		log.Error("schedule cannot be read", "error", err)
		return store.ScheduleFiring{Skip: err.Error(), NextAt: now.Add(24 * time.Hour)}, nil
	}
	next := cr.Next(now)
	if next.IsZero() {
		next = now.Add(24 * time.Hour)
	}
	if why := sc.SkipReason(); why != "" {
		log.Info("schedule skipped its tick", "tick", sc.NextAt, "why", why, "next", next)
		return store.ScheduleFiring{Skip: why, NextAt: next}, nil
	}
	rel, created, err := s.cfg.Service.CreateRelease(ctx, service.ScheduleCaller(sc), service.NewRelease{
		CreateReleaseRequest: apiwire.CreateReleaseRequest{Environment: sc.Environment, Template: sc.Template},
		Key:                  sc.TickKey(sc.NextAt),
	})
	var se *service.Error
	if errors.As(err, &se) {
		// refused for good (the template was removed, …): skip the tick
		why := fmt.Sprintf("the release was refused: %s", se.Message)
		log.Warn("schedule skipped its tick", "tick", sc.NextAt, "why", why, "next", next)
		return store.ScheduleFiring{Skip: why, NextAt: next}, nil
	}
	if err != nil {
		return store.ScheduleFiring{}, err
	}
	if created {
		log.Info("schedule queued a release", "tick", sc.NextAt, "release", rel.ID, "next", next)
	}
	return store.ScheduleFiring{ReleaseID: rel.ID, NextAt: next}, nil
}
