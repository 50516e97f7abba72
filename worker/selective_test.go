package worker_test

import (
	"context"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// A selective release (selective-apply with a target) is recorded as
// SELECTIVE, plans and applies only its target, and the list filters by
// its type.
func TestSelectiveReleaseAppliesOnlyItsTargets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.env("shop", namedConfig(t, "v1", 3))
	w := h.worker()
	rel := h.release("shop", "selective-apply", func(r *release.Release) { r.Targets = []string{"terraform_data.v1_b"} })
	if rel.Type != release.TypeSelective {
		t.Fatalf("a selective-apply release is %s, want SELECTIVE", rel.Type)
	}
	h.runOnce(w)
	got := h.get(rel.ID)
	if got.Status != release.StatusSucceeded {
		t.Fatalf("selective release %s\n%s", got.Status, got.ErrorLog)
	}
	if changes := h.changeList(rel.ID); len(changes) != 1 || changes[0] != "create terraform_data.v1_b" {
		t.Errorf("changes %v, want only the target created", changes)
	}
	ids, err := h.store.ListReleaseIDs(ctx, store.ReleaseFilter{Type: release.TypeSelective})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != rel.ID {
		t.Errorf("SELECTIVE releases %v, want [%d]", ids, rel.ID)
	}
	// the next full release plans the two it left out
	full := h.release("shop", "terraform-apply")
	h.runOnce(w)
	if got := h.get(full.ID); got.Summary == nil || got.Summary.Create != 2 {
		t.Errorf("the full release after the selective one: %+v, want the other two created", got.Summary)
	}
}
