package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// retentionFixture is one environment with six releases, each with a log
// line, a plan file and a change, the first five 30 days old: finished
// ones (SUCCEEDED, FAILED), a running one, a parked one, a queued one, and
// a new finished one; plus an old blueprint nothing names, an old one a
// release names, and an old upload (the environment's newest).
type retentionFixture struct {
	s                                          *store.Store
	succeeded, failed, running, parked, queued int64
	recent                                     int64
}

func newRetentionFixture(t *testing.T) retentionFixture {
	t.Helper()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "prod")
	f := retentionFixture{s: s}
	mk := func(final release.Status) int64 {
		r := newRelease(t, s, "prod")
		if err := s.AppendLogs(ctx, []release.LogEntry{{ReleaseID: r.ID, Phase: "plan", Seq: 1, Time: time.Now(), Stream: release.Stdout, Text: "line", DeploymentType: release.DeploymentRegular}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SavePlanFile(ctx, r.ID, "plan", []byte("plan bytes")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReplaceChanges(ctx, r.ID, "plan", &sliceSource{cs: []release.Change{{Address: "terraform_data.a", Mode: "managed", Type: "terraform_data", Name: "a", Action: release.ChangeCreate}}}); err != nil {
			t.Fatal(err)
		}
		// statuses set directly: this fixture is about what prune keeps, not how releases get there
		if _, err := s.Pool().Exec(ctx, `UPDATE releases SET status = $2 WHERE id = $1`, r.ID, string(final)); err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	f.succeeded = mk(release.StatusSucceeded)
	f.failed = mk(release.StatusFailed)
	f.running = mk(release.StatusInProgress)
	f.parked = mk(release.StatusPendingApproval)
	f.queued = mk(release.StatusQueued)
	if _, err := s.Pool().Exec(ctx, `UPDATE releases SET created_at = now() - interval '30 days'`); err != nil {
		t.Fatal(err)
	}
	f.recent = mk(release.StatusSucceeded)
	for _, b := range []store.SourcedBlueprint{
		{Env: "prod", Version: "orphan", Archive: []byte("a"), Origin: store.OriginDir},
		{Env: "prod", Version: "v1", Archive: []byte("b"), Origin: store.OriginDir}, // newRelease names v1
		{Env: "prod", Version: "pushed", Archive: []byte("c"), Origin: store.OriginUpload},
	} {
		if _, err := s.SaveSourcedBlueprint(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE blueprints SET created_at = now() - interval '30 days'`); err != nil {
		t.Fatal(err)
	}
	return f
}

// rows counts what a release still has: log chunks, plan files, changes.
func (f retentionFixture) rows(t *testing.T, id int64) [3]int {
	t.Helper()
	var n [3]int
	for i, table := range []string{"release_log_chunks", "plan_files", "release_changes"} {
		if err := f.s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM `+table+` WHERE release_id = $1`, id).Scan(&n[i]); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

func TestPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("removes old finished releases' records beyond the last K, and unnamed blueprints", func(t *testing.T) {
		f := newRetentionFixture(t)
		// keep-last 1 keeps the recent release; the old finished two go
		rep, err := f.s.Prune(ctx, store.PruneOptions{KeepDays: 7, KeepLast: 1})
		if err != nil {
			t.Fatal(err)
		}
		want := store.PruneReport{Releases: 2, LogChunks: 2, PlanFiles: 2, Changes: 2, Blueprints: 1}
		if rep != want {
			t.Fatalf("report %+v, want %+v", rep, want)
		}
		for _, id := range []int64{f.succeeded, f.failed} {
			if n := f.rows(t, id); n != [3]int{} {
				t.Errorf("release %d kept logs/plans/changes %v after pruning", id, n)
			}
			if _, err := f.s.GetRelease(ctx, id); err != nil {
				t.Errorf("release %d row is gone: %v", id, err)
			}
		}
		for _, id := range []int64{f.running, f.parked, f.queued, f.recent} {
			if n := f.rows(t, id); n != [3]int{1, 1, 1} {
				t.Errorf("release %d lost records %v: running, parked, queued and recent releases are kept", id, n)
			}
		}
		for _, v := range []string{"v1", "pushed"} {
			if ok, err := f.s.BlueprintExists(ctx, "prod", v); err != nil || !ok {
				t.Errorf("blueprint %s removed (%v): it is named by a release or the newest upload", v, err)
			}
		}
		if ok, _ := f.s.BlueprintExists(ctx, "prod", "orphan"); ok {
			t.Error("blueprint no release names was kept")
		}
	})
	t.Run("a second prune removes nothing", func(t *testing.T) {
		f := newRetentionFixture(t)
		if _, err := f.s.Prune(ctx, store.PruneOptions{KeepDays: 7, KeepLast: 1}); err != nil {
			t.Fatal(err)
		}
		rep, err := f.s.Prune(ctx, store.PruneOptions{KeepDays: 7, KeepLast: 1})
		if err != nil {
			t.Fatal(err)
		}
		if rep != (store.PruneReport{}) {
			t.Fatalf("second prune removed %+v", rep)
		}
	})
	t.Run("keep-last counts per environment and keeps within it", func(t *testing.T) {
		f := newRetentionFixture(t)
		rep, err := f.s.Prune(ctx, store.PruneOptions{KeepDays: 7, KeepLast: 5})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Releases != 1 || f.rows(t, f.succeeded) != [3]int{} || f.rows(t, f.failed) != [3]int{1, 1, 1} {
			t.Fatalf("keep-last 5 of 6: report %+v, oldest %v, second %v", rep, f.rows(t, f.succeeded), f.rows(t, f.failed))
		}
	})
	t.Run("the window keeps newer releases", func(t *testing.T) {
		f := newRetentionFixture(t)
		rep, err := f.s.Prune(ctx, store.PruneOptions{KeepDays: 60})
		if err != nil {
			t.Fatal(err)
		}
		if rep != (store.PruneReport{}) {
			t.Fatalf("a 60-day window removed %+v of 30-day-old releases", rep)
		}
	})
	t.Run("negative settings are refused", func(t *testing.T) {
		f := newRetentionFixture(t)
		if _, err := f.s.Prune(ctx, store.PruneOptions{KeepDays: -1}); err == nil {
			t.Fatal("keep-days -1 accepted")
		}
	})
}

func TestListenQueueWakesOnQueuedRelease(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := dbtest.Store(t)
	newEnv(t, s, "prod")
	woke := make(chan struct{}, 16)
	listening := make(chan struct{})
	go s.ListenQueue(ctx, func() { woke <- struct{}{} })
	// LISTEN is in place once a notification sent after it arrives: send
	// probes until one does.
	go func() {
		defer close(listening)
		for {
			if _, err := s.Pool().Exec(ctx, `SELECT pg_notify($1, 'probe')`, store.QueueChannel); err != nil {
				return
			}
			select {
			case <-woke:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	<-listening
	for len(woke) > 0 {
		<-woke
	}
	newRelease(t, s, "prod")
	select {
	case <-woke:
	case <-time.After(30 * time.Second):
		t.Fatal("no wake-up on QueueChannel after a release was queued")
	}
}
