package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// recordSetup is a store with environment "a" and a plan record of it whose
// outcome is status/errText.
func recordSetup(t *testing.T, status release.Status, errText string) (*store.Store, store.PlanRecord) {
	t.Helper()
	s := dbtest.Store(t)
	newEnv(t, s, "a")
	return s, store.PlanRecord{
		Release: &release.Release{Environment: "a", Template: "full-plan", TemplateNamespace: "shiplog", TriggeredBy: "ci",
			Phases: []release.Phase{{Name: "init", Action: release.ActionInit}, {Name: "plan", Action: release.ActionPlan}}},
		Phase: "plan",
		Changes: &sliceSource{cs: []release.Change{{Address: "terraform_data.a", Mode: "managed", Type: "terraform_data", Name: "a",
			Action: release.ChangeCreate, Modification: release.ModCreated, Fields: []release.Field{{Path: "input", After: "1"}}}}},
		Outcome: func() (release.Status, string) { return status, errText },
	}
}

func TestRecordPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("succeeded", func(t *testing.T) {
		s, rec := recordSetup(t, release.StatusSucceeded, "")
		r, err := s.RecordPlan(ctx, rec)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != release.StatusSucceeded {
			t.Errorf("status %s, want SUCCEEDED", r.Status)
		}
		if r.Type != release.TypePlan {
			t.Errorf("type %s, want PLAN", r.Type)
		}
		if r.FinishedAt == nil {
			t.Error("a recorded plan has no finish time")
		}
		if r.Summary.Create != 1 {
			t.Errorf("summary %+v, want one create", r.Summary)
		}
		if got := r.Phases[1].Status; got != release.PhaseSucceeded {
			t.Errorf("plan phase %s, want SUCCEEDED", got)
		}
		if got := r.Phases[0].Status; got != release.PhaseSkipped {
			t.Errorf("init phase %s, want SKIPPED", got)
		}
		cs, err := s.ListChanges(ctx, r.ID, store.ChangeFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 {
			t.Errorf("%d changes recorded, want 1", len(cs))
		}
	})
	t.Run("errored plan is created FAILED", func(t *testing.T) {
		s, rec := recordSetup(t, release.StatusFailed, "terraform could not complete this plan")
		r, err := s.RecordPlan(ctx, rec)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != release.StatusFailed {
			t.Errorf("status %s, want FAILED", r.Status)
		}
		if r.ErrorLog != "terraform could not complete this plan" {
			t.Errorf("error log %q", r.ErrorLog)
		}
		if got := r.Phases[1].Status; got != release.PhaseFailed {
			t.Errorf("plan phase %s, want FAILED", got)
		}
	})
	t.Run("outcome a recorded plan cannot have", func(t *testing.T) {
		s, rec := recordSetup(t, release.StatusAborted, "")
		if _, err := s.RecordPlan(ctx, rec); err == nil {
			t.Fatal("RecordPlan stored a plan recorded as ABORTED")
		}
		rs, err := s.ListReleases(ctx, store.ReleaseFilter{Environment: "a"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 0 {
			t.Errorf("a refused record left %d releases behind", len(rs))
		}
	})
	t.Run("unknown environment", func(t *testing.T) {
		s, rec := recordSetup(t, release.StatusSucceeded, "")
		rec.Release.Environment = "nowhere"
		if _, err := s.RecordPlan(ctx, rec); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RecordPlan in an unknown environment: %v, want ErrNotFound", err)
		}
	})
}
