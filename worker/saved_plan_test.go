package worker_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

func (h *harness) service() *service.Service {
	h.t.Helper()
	cat, err := template.NewCatalog()
	if err != nil {
		h.t.Fatal(err)
	}
	svc, err := service.New(h.store, cat, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return svc
}

var planner = service.Caller{Name: "reviewer", Scopes: []string{"write"}}

// setSource points environment name at another configuration directory.
func (h *harness) setSource(name, dir string) {
	h.t.Helper()
	if _, err := h.store.Pool().Exec(context.Background(), `UPDATE environments SET source = $1 WHERE name = $2`, release.Source{Dir: dir}, name); err != nil {
		h.t.Fatal(err)
	}
}

// changeList is a release's changes as "action address" lines, in plan order.
func (h *harness) changeList(id int64) []string {
	h.t.Helper()
	cs, err := h.store.ListChanges(context.Background(), id, store.ChangeFilter{})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, string(c.Action)+" "+c.Address)
	}
	return out
}

// A plan release's saved plan, applied later by a release that names it,
// makes exactly the planned changes: the new release shows the plan's
// changes before it runs, links to the plan (and the plan to it), applies
// the saved plan (same checksum), and the state then holds what was planned.
func TestSavedPlanAppliedLater(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.env("shop", namedConfig(t, "v1", 1))
	w := h.worker()
	h.release("shop", "terraform-apply")
	h.runOnce(w)

	h.setSource("shop", namedConfig(t, "v2", 3))
	plan := h.release("shop", "full-plan")
	h.runOnce(w)
	if got := h.get(plan.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("plan release: %s\n%s", got.Status, got.ErrorLog)
	}
	planned := h.changeList(plan.ID)
	if len(planned) != 4 { // v1_a deleted, v2_a..c created
		t.Fatalf("plan changes %v", planned)
	}
	// the configuration moves on after the review: the apply must not see it
	h.setSource("shop", namedConfig(t, "v3", 5))

	svc := h.service()
	apply, err := svc.ApplySavedPlan(ctx, planner, plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	if apply.AppliesPlanOf == nil || *apply.AppliesPlanOf != plan.ID || apply.Status != release.StatusQueued ||
		apply.Type != release.TypeApply || apply.Template != release.SavedPlanTemplate {
		t.Fatalf("apply release %+v", apply)
	}
	if got := h.changeList(apply.ID); strings.Join(got, ",") != strings.Join(planned, ",") {
		t.Fatalf("queued apply shows %v, the plan %v", got, planned)
	}
	if got := h.get(plan.ID); len(got.PlanAppliedBy) != 1 || got.PlanAppliedBy[0] != apply.ID {
		t.Fatalf("plan release links to %v, want [%d]", got.PlanAppliedBy, apply.ID)
	}
	if apply.Summary == nil || apply.Summary.Create != 3 || apply.Summary.Delete != 1 {
		t.Fatalf("apply summary %+v", apply.Summary)
	}
	// while it waits, the plan is not applied a second time
	_, err = svc.ApplySavedPlan(ctx, planner, plan.ID)
	var se *service.Error
	if !errors.As(err, &se) || se.Kind != service.Conflict ||
		!strings.Contains(err.Error(), fmt.Sprintf("release %d already applies the plan of release %d (QUEUED)", apply.ID, plan.ID)) {
		t.Fatalf("second apply while the first is queued: %v", err)
	}

	h.runOnce(w)
	got := h.get(apply.ID)
	if got.Status != release.StatusSucceeded {
		t.Fatalf("apply release: %s\n%s", got.Status, got.ErrorLog)
	}
	saved, err := h.store.SavedPlan(ctx, plan.ID)
	if err != nil || saved == nil {
		t.Fatalf("saved plan %v %v", saved, err)
	}
	logs := joinLogs(h.logs(apply.ID))
	if !strings.Contains(logs, "applying the plan saved by phase plan (sha256 "+saved.SHA256[:16]) {
		t.Fatalf("apply log does not name the saved plan %s:\n%s", saved.SHA256[:16], logs)
	}
	vs, err := h.store.ListStateVersions(ctx, "shop", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].ReleaseID == nil || *vs[0].ReleaseID != apply.ID || vs[0].Resources != 3 {
		t.Fatalf("newest state %+v: want 3 resources written by release %d (the plan's, not v3's 5)", vs, apply.ID)
	}
	cs, err := h.store.ListChanges(ctx, apply.ID, store.ChangeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Action != release.ChangeDelete && !c.Applied {
			t.Fatalf("change %s not marked applied", c.Address)
		}
	}
	// applied once, it is not applied again
	_, err = svc.ApplySavedPlan(ctx, planner, plan.ID)
	if !errors.As(err, &se) || se.Kind != service.Conflict ||
		!strings.Contains(err.Error(), fmt.Sprintf("was applied by release %d (SUCCEEDED): a saved plan is applied once", apply.ID)) {
		t.Fatalf("second apply of the plan: %v", err)
	}
}

// A saved plan that changes nothing is applied once too, though its apply
// leaves the state where it was (so the plan never turns stale); a second
// apply queued before the first ran is refused by the worker before
// terraform runs.
func TestSavedPlanAppliedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.env("shop", namedConfig(t, "v1", 1))
	w := h.worker()
	h.release("shop", "terraform-apply")
	h.runOnce(w)

	plan := h.release("shop", "full-plan") // nothing to change
	h.runOnce(w)
	if got := h.get(plan.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("plan release: %s\n%s", got.Status, got.ErrorLog)
	}
	svc := h.service()
	first, err := svc.ApplySavedPlan(ctx, planner, plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	// a second apply made before this rule, or in a race with the first:
	// the worker refuses it once the first has applied the plan
	second := h.release("shop", "terraform-apply", func(r *release.Release) {
		r.Template, r.Phases, r.AppliesPlanOf = release.SavedPlanTemplate, release.SavedPlanPhases(), &plan.ID
	})
	h.runOnce(w)
	if got := h.get(first.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("first apply: %s\n%s", got.Status, got.ErrorLog)
	}
	_, err = svc.ApplySavedPlan(ctx, planner, plan.ID)
	var se *service.Error
	if !errors.As(err, &se) || se.Kind != service.Conflict || !strings.Contains(err.Error(), "a saved plan is applied once") {
		t.Fatalf("apply of a plan already applied: %v", err)
	}
	h.runOnce(w)
	got := h.get(second.ID)
	if got.Status != release.StatusFailed || !strings.Contains(got.ErrorLog, fmt.Sprintf("was applied by release %d", first.ID)) {
		t.Fatalf("second apply queued beside the first: %s\n%s", got.Status, got.ErrorLog)
	}
}

// A saved plan is refused as stale once another release changed the
// environment's state: by the worker, before terraform runs (no phase
// starts), for an apply queued behind the release that moved the state; and
// at creation, a conflict naming both states and the release that wrote the
// newer one.
func TestStaleSavedPlanRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.env("shop", namedConfig(t, "v1", 1))
	w := h.worker()
	svc := h.service()
	h.release("shop", "terraform-apply")
	h.runOnce(w)

	h.setSource("shop", namedConfig(t, "v2", 2))
	plan := h.release("shop", "full-plan")
	h.runOnce(w)
	// an apply of the current configuration is queued first ...
	other := h.release("shop", "terraform-apply")
	// ... then the saved plan's apply, accepted: the state has not moved yet
	queued, err := svc.ApplySavedPlan(ctx, planner, plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	h.runOnce(w)
	if got := h.get(other.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("other release: %s\n%s", got.Status, got.ErrorLog)
	}
	h.runOnce(w)
	got := h.get(queued.ID)
	if got.Status != release.StatusFailed || !strings.Contains(got.ErrorLog, "refused before terraform ran") ||
		!strings.Contains(got.ErrorLog, "is stale") {
		t.Fatalf("queued apply of the stale plan: %s\n%s", got.Status, got.ErrorLog)
	}
	for _, p := range got.Phases {
		if p.Status != release.PhaseSkipped || p.StartedAt != nil {
			t.Fatalf("phase %s ran: %+v", p.Name, p)
		}
	}
	vs, err := h.store.ListStateVersions(ctx, "shop", 1)
	if err != nil {
		t.Fatal(err)
	}
	if *vs[0].ReleaseID != other.ID {
		t.Fatalf("newest state written by release %d, want %d", *vs[0].ReleaseID, other.ID)
	}

	_, err = svc.ApplySavedPlan(ctx, planner, plan.ID)
	var se *service.Error
	if !errors.As(err, &se) || se.Kind != service.Conflict {
		t.Fatalf("apply of a stale plan: %v", err)
	}
	for _, want := range []string{"is stale", "environment shop moved", fmt.Sprintf("written by release %d", other.ID), "start a new plan"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("refusal %q does not say %q", err, want)
		}
	}
}
