package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

func TestListReleasesNewestFirstWithFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// setup makes five releases of prod (their ids, oldest first) and one of dev.
	setup := func(t *testing.T) (*store.Store, []int64) {
		t.Helper()
		s := dbtest.Store(t)
		newEnv(t, s, "prod")
		newEnv(t, s, "dev")
		var ids []int64
		for range 5 {
			ids = append(ids, newRelease(t, s, "prod").ID)
		}
		newRelease(t, s, "dev")
		return s, ids
	}
	list := func(t *testing.T, s *store.Store, f store.ReleaseFilter) []*release.Release {
		t.Helper()
		page, err := s.ListReleases(ctx, f)
		if err != nil {
			t.Fatalf("ListReleases(%+v): %v", f, err)
		}
		return page
	}
	ids := func(rs []*release.Release) []int64 {
		out := make([]int64, len(rs))
		for i, r := range rs {
			out[i] = r.ID
		}
		return out
	}
	t.Run("first page", func(t *testing.T) {
		s, made := setup(t)
		page := list(t, s, store.ReleaseFilter{Environment: "prod", Limit: 3})
		if got, want := ids(page), []int64{made[4], made[3], made[2]}; !reflect.DeepEqual(got, want) {
			t.Fatalf("first page %v, want %v", got, want)
		}
	})
	t.Run("second page", func(t *testing.T) {
		s, made := setup(t)
		page := list(t, s, store.ReleaseFilter{Environment: "prod", Limit: 3, BeforeID: made[2]})
		if got, want := ids(page), []int64{made[1], made[0]}; !reflect.DeepEqual(got, want) {
			t.Fatalf("second page %v, want %v", got, want)
		}
	})
	t.Run("by status", func(t *testing.T) {
		s, _ := setup(t)
		page := list(t, s, store.ReleaseFilter{Statuses: []release.Status{release.StatusQueued}})
		if len(page) != 6 {
			t.Fatalf("queued: %d, want 6", len(page))
		}
	})
}

// readSetup stores a claimed release of environment e with two phases (the
// first finished), two artifacts and a sensitive variable.
func readSetup(t *testing.T) (*store.Store, *release.Release) {
	t.Helper()
	ctx := context.Background()
	s := dbtest.Store(t)
	if err := s.CreateEnvironment(ctx, &release.Environment{Name: "e", Source: release.Source{Dir: "/x"}}); err != nil {
		t.Fatal(err)
	}
	r := &release.Release{Environment: "e", Template: "t", TriggeredBy: "me", Targets: []string{"a.b"},
		Phases: []release.Phase{{Name: "plan", Action: release.ActionPlan, Options: release.PhaseOptions{Timeout: time.Minute, Args: []string{"x"}}},
			{Name: "apply", Action: release.ActionApply}},
		Artifacts: []release.Artifact{{URI: "u1", AppName: "a", RegistrationMetadata: map[string]any{"k": "v"}}, {URI: "u2"}},
		Variables: []release.Variable{{Name: "s", Value: "secret", Sensitive: true}, {Name: "p", Value: "plain"}}}
	if err := s.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(ctx, "w", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.StartPhase(ctx, r.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishPhase(ctx, r.ID, 0, release.PhaseSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	return s, r
}

// normalizeTimes puts a release's phase and artifact times in UTC, so that
// reads through different paths compare equal.
func normalizeTimes(r *release.Release) {
	for i := range r.Phases {
		p := &r.Phases[i]
		if p.StartedAt != nil {
			u := p.StartedAt.UTC()
			p.StartedAt = &u
		}
		if p.FinishedAt != nil {
			u := p.FinishedAt.UTC()
			p.FinishedAt = &u
		}
	}
	for i := range r.Artifacts {
		r.Artifacts[i].CreatedAt = r.Artifacts[i].CreatedAt.UTC()
	}
	for i := range r.PolicyChecks {
		r.PolicyChecks[i].At = r.PolicyChecks[i].At.UTC().Truncate(time.Microsecond)
	}
}

// The single read (GetRelease, one query) and the list read that serves
// lists (ListReleases, then AttachDetails) give the same release.
func TestGetReleaseMatchesListRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("same release", func(t *testing.T) {
		s, r := readSetup(t)
		if err := s.RecordPolicyChecks(ctx, r.ID, "plan", []release.PolicyCheck{
			{Policy: "a", Version: 2, Verdict: "deny", Overridable: true, Denials: []string{"no"}},
			{Policy: "b", Version: 1, Verdict: "pass"},
		}); err != nil {
			t.Fatal(err)
		}
		single, err := s.GetRelease(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		listed, err := s.ListReleases(ctx, store.ReleaseFilter{Environment: "e"})
		if err != nil {
			t.Fatal(err)
		}
		if len(listed) != 1 {
			t.Fatalf("listed %d releases, want 1", len(listed))
		}
		if err := s.AttachDetails(ctx, listed); err != nil {
			t.Fatal(err)
		}
		normalizeTimes(single)
		normalizeTimes(listed[0])
		if !reflect.DeepEqual(single, listed[0]) {
			t.Fatalf("GetRelease differs from ListReleases+AttachDetails:\n single %+v\n listed %+v", single, listed[0])
		}
	})
	t.Run("sensitive value blank", func(t *testing.T) {
		s, r := readSetup(t)
		got, err := s.GetRelease(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Variables[0].Value != "" {
			t.Fatalf("sensitive value read back: %+v", got.Variables[0])
		}
	})
	t.Run("finished phase has a duration", func(t *testing.T) {
		s, r := readSetup(t)
		got, err := s.GetRelease(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Phases[0].Duration == nil {
			t.Fatalf("finished phase without duration: %+v", got.Phases[0])
		}
	})
	t.Run("missing release", func(t *testing.T) {
		s, _ := readSetup(t)
		if _, err := s.GetRelease(ctx, 999); err == nil {
			t.Fatal("no error for a missing release")
		}
	})
}
