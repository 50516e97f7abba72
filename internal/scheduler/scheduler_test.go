package scheduler_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/scheduler"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var deployer = service.Caller{Name: "dana", Scopes: []string{string(apiwire.ScopeWrite), string(apiwire.ScopeRead)}}

// clock is a test's injected time: it moves only when the test says.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type fixture struct {
	st    *store.Store
	url   string
	svc   *service.Service
	clock *clock
	sched *scheduler.Scheduler
}

// setup makes a fresh database with environment "a", a service and a
// scheduler on one injected clock, set to 2026-12-04 08:00 UTC.
func setup(t *testing.T) *fixture {
	t.Helper()
	st, url := dbtest.StoreURL(t)
	f := &fixture{st: st, url: url, clock: &clock{t: time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)}}
	f.svc = newService(t, st, f.clock)
	if err := st.CreateEnvironment(context.Background(), &release.Environment{Name: "a", Source: release.Source{Dir: "/srv/a"}}); err != nil {
		t.Fatal(err)
	}
	f.sched = f.scheduler(t, st, f.svc)
	return f
}

func newService(t *testing.T, st *store.Store, c *clock) *service.Service {
	t.Helper()
	cat, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(st, cat, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc.SetClock(c.Now)
	return svc
}

func (f *fixture) scheduler(t *testing.T, st *store.Store, svc *service.Service) *scheduler.Scheduler {
	t.Helper()
	s, err := scheduler.New(scheduler.Config{Store: st, Service: svc, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// nightly creates schedule name on "a": full-plan at 03:00 UTC.
func (f *fixture) nightly(t *testing.T, name string) *release.Schedule {
	t.Helper()
	sc, err := f.svc.CreateSchedule(context.Background(), deployer, "a", apiwire.ScheduleRequest{Name: name, Cron: "0 3 * * *", Template: "full-plan"})
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func (f *fixture) fire(t *testing.T) int {
	t.Helper()
	n, err := f.sched.FireDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) releases(t *testing.T) []*release.Release {
	t.Helper()
	rs, err := f.st.ListReleases(context.Background(), store.ReleaseFilter{Environment: "a"})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func (f *fixture) schedule(t *testing.T, id int64) *release.Schedule {
	t.Helper()
	sc, err := f.st.GetSchedule(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func at(s string) time.Time {
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestScheduleFiresOnTheInjectedClock(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sc := f.nightly(t, "nightly")
	if want := at("2026-12-05T03:00:00Z"); !sc.NextAt.Equal(want) {
		t.Fatalf("next_at %s, want %s", sc.NextAt, want)
	}
	if n := f.fire(t); n != 0 {
		t.Fatalf("%d schedules fired before their tick", n)
	}
	f.clock.Set(at("2026-12-05T03:00:00Z"))
	if n := f.fire(t); n != 1 {
		t.Fatalf("%d schedules fired at the tick, want 1", n)
	}
	rs := f.releases(t)
	if len(rs) != 1 {
		t.Fatalf("%d releases, want 1", len(rs))
	}
	if want := sc.Caller(); rs[0].TriggeredBy != want {
		t.Errorf("triggered_by %q, want %q", rs[0].TriggeredBy, want)
	}
	if rs[0].Template != "full-plan" {
		t.Errorf("template %q, want full-plan", rs[0].Template)
	}
	if rs[0].Status != release.StatusQueued {
		t.Errorf("status %s, want QUEUED", rs[0].Status)
	}
	got := f.schedule(t, sc.ID)
	if got.LastReleaseID != rs[0].ID {
		t.Errorf("last_release_id %d, want %d", got.LastReleaseID, rs[0].ID)
	}
	if want := at("2026-12-06T03:00:00Z"); !got.NextAt.Equal(want) {
		t.Errorf("next_at %s after firing, want %s", got.NextAt, want)
	}
}

func TestMissedTicksFireOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sc := f.nightly(t, "nightly")
	// five nights with no server
	f.clock.Set(at("2026-12-09T12:00:00Z"))
	if n := f.fire(t); n != 1 {
		t.Fatalf("%d firings after five missed ticks, want 1", n)
	}
	if n := f.fire(t); n != 0 {
		t.Fatalf("%d firings on a second look, want 0", n)
	}
	if rs := f.releases(t); len(rs) != 1 {
		t.Fatalf("%d releases after five missed ticks, want 1", len(rs))
	}
	if want := at("2026-12-10T03:00:00Z"); !f.schedule(t, sc.ID).NextAt.Equal(want) {
		t.Errorf("next_at %s, want the first tick after now, %s", f.schedule(t, sc.ID).NextAt, want)
	}
}

func TestStillQueuedReleaseBlocksTheNext(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	sc := f.nightly(t, "nightly")
	f.clock.Set(at("2026-12-05T03:00:00Z"))
	f.fire(t)
	first := f.releases(t)[0]
	// the next night, the first has not started (no worker, or the
	// environment is paused): nothing is stacked behind it
	f.clock.Set(at("2026-12-06T03:00:00Z"))
	if n := f.fire(t); n != 1 {
		t.Fatalf("%d firings, want 1 (a skip)", n)
	}
	if rs := f.releases(t); len(rs) != 1 {
		t.Fatalf("%d releases while the first is QUEUED, want 1", len(rs))
	}
	got := f.schedule(t, sc.ID)
	if !strings.Contains(got.LastSkip, "still QUEUED") {
		t.Errorf("last_skip %q does not say the previous release is still QUEUED", got.LastSkip)
	}
	if want := at("2026-12-07T03:00:00Z"); !got.NextAt.Equal(want) {
		t.Errorf("next_at %s after a skip, want %s", got.NextAt, want)
	}
	// once it ran, the next tick queues again
	if err := f.st.Transition(ctx, store.StatusChange{ID: first.ID, From: release.StatusQueued, To: release.StatusAborted, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(at("2026-12-07T03:00:00Z"))
	f.fire(t)
	if rs := f.releases(t); len(rs) != 2 {
		t.Fatalf("%d releases after the first ended, want 2", len(rs))
	}
	if got := f.schedule(t, sc.ID); got.LastSkip != "" {
		t.Errorf("last_skip %q after queuing, want empty", got.LastSkip)
	}
}

func TestTwoSchedulersQueueOneReleasePerTick(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	// a second server: its own pool, service and scheduler on the database
	st2, err := store.Open(ctx, f.url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st2.Close)
	other := f.scheduler(t, st2, newService(t, st2, f.clock))
	const schedules = 6
	for i := range schedules {
		f.nightly(t, "s"+string(rune('a'+i)))
	}
	for night := range 3 {
		// each night's releases end before the next, so none is skipped
		for _, r := range f.releases(t) {
			if r.Status == release.StatusQueued {
				if err := f.st.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusQueued, To: release.StatusAborted, Reason: "test"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		f.clock.Set(at("2026-12-05T03:00:00Z").AddDate(0, 0, night))
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i, s := range []*scheduler.Scheduler{f.sched, other} {
			wg.Go(func() {
				n, err := s.FireDue(ctx)
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			})
		}
		wg.Wait()
		if counts[0]+counts[1] != schedules {
			t.Errorf("night %d: the schedulers fired %d and %d times, want %d in all", night, counts[0], counts[1], schedules)
		}
		if rs := f.releases(t); len(rs) != schedules*(night+1) {
			t.Errorf("night %d: %d releases, want %d", night, len(rs), schedules*(night+1))
		}
	}
}

func TestATickQueuedBeforeACrashIsNotQueuedAgain(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	sc := f.nightly(t, "nightly")
	// a scheduler queued the tick's release and died before recording it
	r, _, err := f.svc.CreateRelease(ctx, service.ScheduleCaller(sc), service.NewRelease{
		CreateReleaseRequest: apiwire.CreateReleaseRequest{Environment: "a", Template: "full-plan"}, Key: sc.TickKey(sc.NextAt)})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(sc.NextAt)
	f.fire(t)
	if rs := f.releases(t); len(rs) != 1 {
		t.Fatalf("%d releases, want the one queued before the crash", len(rs))
	}
	if got := f.schedule(t, sc.ID); got.LastReleaseID != r.ID {
		t.Errorf("last_release_id %d, want %d", got.LastReleaseID, r.ID)
	}
}

func TestRunFiresWhenWoken(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sc := f.nightly(t, "nightly")
	s, err := scheduler.New(scheduler.Config{Store: f.st, Service: f.svc, Now: f.clock.Now, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	f.clock.Set(sc.NextAt)
	s.Wake() // a look that starts after this sees the moved clock
	testutil.Eventually(t, "the woken scheduler queued a release", 10*time.Second, func() bool { return len(f.releases(t)) == 1 })
}
