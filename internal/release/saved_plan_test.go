package release

import (
	"strings"
	"testing"
	"time"
)

func TestMayApplySavedPlan(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	ended := now.Add(-time.Hour)
	plan := Release{ID: 7, Environment: "shop", Status: StatusSucceeded, Type: TypePlan, FinishedAt: &ended,
		Phases: []Phase{{Name: "init", Action: ActionInit}, {Name: "plan", Action: ActionPlan}}}
	state := &StateVersion{ID: 3, Serial: 4, Lineage: "l"}
	saved := func(applies ...PlanApply) *SavedPlan {
		return &SavedPlan{Phase: "plan", SavedAt: ended, AtPlan: state, Now: state, Applies: applies}
	}
	cases := []struct {
		name  string
		plan  Release
		saved *SavedPlan
		want  string // "" = allowed
	}{
		{"fresh", plan, saved(), ""},
		{"an apply that failed", plan, saved(PlanApply{ID: 8, Status: StatusFailed}), ""},
		{"an apply that was aborted", plan, saved(PlanApply{ID: 8, Status: StatusAborted}), ""},
		{"applied", plan, saved(PlanApply{ID: 8, Status: StatusFailed}, PlanApply{ID: 9, Status: StatusSucceeded}),
			"the plan of release 7 was applied by release 9 (SUCCEEDED): a saved plan is applied once; start a new plan"},
		{"being applied", plan, saved(PlanApply{ID: 8, Status: StatusQueued}),
			"release 8 already applies the plan of release 7 (QUEUED): wait for it to end, or abort it"},
		{"waiting for approval", plan, saved(PlanApply{ID: 8, Status: StatusPendingApproval}),
			"release 8 already applies the plan of release 7 (PENDING_APPROVAL)"},
		{"no plan saved", plan, nil, "saved no plan file"},
		{"failed plan", func() Release { p := plan; p.Status = StatusFailed; return p }(), saved(), "release 7 is FAILED"},
		{"stale", plan, &SavedPlan{SavedAt: ended, AtPlan: state, Now: &StateVersion{ID: 4, Serial: 5, Lineage: "l"}}, "is stale"},
		{"too old", plan, saved(), "older than the 30m0s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			maxAge := time.Duration(0)
			if c.name == "too old" {
				maxAge = 30 * time.Minute
			}
			err := MayApplySavedPlan(c.plan, c.saved, now, maxAge)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.want != "" && err == nil:
				t.Errorf("allowed, want %q", c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Errorf("refused with %q, want %q", err, c.want)
			}
		})
	}
}
