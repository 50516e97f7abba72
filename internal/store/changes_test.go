package store_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

type sliceSource struct {
	cs []release.Change
	i  int
}

func (s *sliceSource) Next() (release.Change, error) {
	if s.i >= len(s.cs) {
		return release.Change{}, io.EOF
	}
	s.i++
	return s.cs[s.i-1], nil
}

func TestReplaceChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r := newRelease(t, s, "a")
	mod := "module.net"
	changes := []release.Change{
		{Address: "terraform_data.a", Mode: "managed", Type: "terraform_data", Name: "a", Action: release.ChangeCreate, Modification: release.ModCreated,
			Fields: []release.Field{{Path: "input.a", After: "1"}}},
		{Address: "module.net.terraform_data.b[0]", ModuleAddress: &mod, Mode: "managed", Type: "terraform_data", Name: "b", Index: 0,
			Action: release.ChangeUpdate, Modification: release.ModUpdated, Fields: []release.Field{{Path: "input", Sensitive: true, Changed: true}}},
		{Address: "terraform_data.c", Mode: "managed", Type: "terraform_data", Name: "c", Action: release.ChangeNoOp},
		{Kind: release.KindOutput, Address: "output.url", Action: release.ChangeUpdate},
	}
	for range 2 { // the second ingestion replaces the first
		sum, err := s.ReplaceChanges(ctx, r.ID, "plan", &sliceSource{cs: changes})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Create != 1 {
			t.Fatalf("summary %+v", sum)
		}
		if sum.Update != 1 {
			t.Fatalf("summary %+v", sum)
		}
		if sum.NoOp != 1 {
			t.Fatalf("summary %+v", sum)
		}
	}
	all, err := s.ListChanges(ctx, r.ID, store.ChangeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("listed %d resource changes (no-ops hidden), want 2", len(all))
	}
	inMod, err := s.ListChanges(ctx, r.ID, store.ChangeFilter{Module: "module.net"})
	if err != nil {
		t.Fatal(err)
	}
	if len(inMod) != 1 {
		t.Fatalf("module filter: %+v", inMod)
	}
	if !inMod[0].Fields[0].Sensitive {
		t.Fatalf("module filter: %+v", inMod)
	}
	if inMod[0].Index == nil {
		t.Fatalf("module filter: %+v", inMod)
	}
	outs, err := s.ListChanges(ctx, r.ID, store.ChangeFilter{Kind: release.KindOutput})
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 1 {
		t.Fatalf("outputs: %+v", outs)
	}
	got, err := s.GetRelease(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Summary.Create != 1 {
		t.Fatalf("release summary %+v", got.Summary)
	}
	if _, err := s.ReplaceChanges(ctx, 987654, "plan", &sliceSource{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown release: %v", err)
	}
}

// The worker stores a plan release's changes while it runs (not finished
// yet: finished_at is NULL); a plan sent from elsewhere (IngestPlan) is
// refused once the phase runs or ran, and taken by a recorded plan.
func TestIngestPlanGuard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	r := &release.Release{Environment: "a", Template: "full-plan", TemplateNamespace: "shiplog", TriggeredBy: "alice",
		Phases: []release.Phase{{Name: "init", Action: release.ActionInit}, {Name: "plan", Action: release.ActionPlan}}}
	if err := s.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	if r.Type != release.TypePlan {
		t.Fatalf("release type %s, want PLAN", r.Type)
	}
	one := []release.Change{{Address: "terraform_data.a", Mode: "managed", Type: "terraform_data", Name: "a", Action: release.ChangeCreate}}
	if _, err := s.IngestPlan(ctx, r.ID, "plan", &sliceSource{cs: one}); err != nil {
		t.Fatalf("a plan for a phase that has not run: %v", err)
	}
	if c, err := s.Claim(ctx, "w", time.Minute); err != nil || c == nil || c.ID != r.ID {
		t.Fatalf("claim: %v %v", c, err)
	}
	if err := s.StartPhase(ctx, r.ID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceChanges(ctx, r.ID, "plan", &sliceSource{cs: one}); err != nil {
		t.Fatalf("the worker storing the running plan release's changes: %v", err)
	}
	var refused *store.IngestRefusedError
	if _, err := s.IngestPlan(ctx, r.ID, "plan", &sliceSource{cs: one}); !errors.As(err, &refused) || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a plan for a running phase: %v, want an IngestRefusedError conflict", err)
	}
	if _, err := s.IngestPlan(ctx, r.ID, "nope", &sliceSource{cs: one}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a plan for a phase the release does not have: %v, want not found", err)
	}
	rec, err := s.RecordPlan(ctx, store.PlanRecord{Release: &release.Release{Environment: "a", Template: "full-plan", TemplateNamespace: "shiplog",
		TriggeredBy: "ci", Phases: []release.Phase{{Name: "init", Action: release.ActionInit}, {Name: "plan", Action: release.ActionPlan}}},
		Phase: "plan", Changes: &sliceSource{}})
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := s.IngestPlan(ctx, rec.ID, "plan", &sliceSource{cs: one}); err != nil || sum.Create != 1 {
		t.Fatalf("a plan for a recorded plan: %+v %v", sum, err)
	}
}
