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
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "prod")
	newEnv(t, s, "dev")
	var ids []int64
	for range 5 {
		ids = append(ids, newRelease(t, s, "prod").ID)
	}
	newRelease(t, s, "dev")
	page, err := s.ListReleases(ctx, store.ReleaseFilter{Environment: "prod", Limit: 3})
	if err != nil || len(page) != 3 || page[0].ID != ids[4] || page[2].ID != ids[2] {
		t.Fatalf("first page: %v %+v", err, page)
	}
	page, _ = s.ListReleases(ctx, store.ReleaseFilter{Environment: "prod", Limit: 3, BeforeID: page[2].ID})
	if len(page) != 2 || page[1].ID != ids[0] {
		t.Fatalf("second page: %+v", page)
	}
	page, _ = s.ListReleases(ctx, store.ReleaseFilter{Statuses: []release.Status{release.StatusQueued}})
	if len(page) != 6 {
		t.Fatalf("queued: %d", len(page))
	}
}

// GetRelease reads what GetRelease reads, in one query.
func TestGetReleaseMatchesGetRelease(t *testing.T) {
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
	time.Sleep(5 * time.Millisecond)
	if err := s.FinishPhase(ctx, r.ID, 0, release.PhaseSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	want, err := s.GetRelease(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRelease(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	norm := func(r *release.Release) {
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
	}
	norm(want)
	norm(got)
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("GetRelease differs from GetRelease:\n got %+v\nwant %+v", got, want)
	}
	if got.Variables[0].Value != "" || got.Phases[0].Duration == nil {
		t.Fatalf("sensitive value or duration: %+v %+v", got.Variables, got.Phases[0])
	}
	if _, err := s.GetRelease(ctx, 999); err == nil {
		t.Fatal("no error for a missing release")
	}
}
