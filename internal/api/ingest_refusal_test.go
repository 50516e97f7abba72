package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// A plan sent to a release is stored only while the phase has not run, or
// into a recorded plan; once the phase ran (or runs) it is refused with
// 409 and the release keeps its changes and summary.
func TestIngestPlanRefusesAPhaseThatRan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// withPlanRun is a harness with a terraform-apply release of prod whose
	// plan phase (index 2) is in status st (with no changes stored) and
	// the release in status rs.
	withPlanRun := func(t *testing.T, st release.PhaseStatus, rs release.Status) (*harness, *release.Release) {
		t.Helper()
		h := newHarness(t)
		h.env("prod")
		rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "terraform-apply"})
		h.claim(rel.ID)
		if err := h.st.StartPhase(ctx, rel.ID, 2); err != nil {
			t.Fatal(err)
		}
		if st != release.PhaseInProgress {
			if err := h.st.FinishPhase(ctx, rel.ID, 2, st, ""); err != nil {
				t.Fatal(err)
			}
		}
		if rs != release.StatusInProgress {
			h.finish(rel.ID, release.StatusInProgress, rs)
		}
		return h, rel
	}
	for _, c := range []struct {
		phase   release.PhaseStatus
		status  release.Status
		message string
	}{
		{release.PhaseInProgress, release.StatusInProgress, `phase "plan" is running (IN_PROGRESS)`},
		{release.PhaseSucceeded, release.StatusSucceeded, `phase "plan" already ran (SUCCEEDED)`},
		{release.PhaseFailed, release.StatusFailed, `phase "plan" already ran (FAILED)`},
	} {
		t.Run(string(c.phase)+" phase of a "+string(c.status)+" release", func(t *testing.T) {
			t.Parallel()
			h, rel := withPlanRun(t, c.phase, c.status)
			before := h.get(rel.ID)
			e := h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/plan", rel.ID), "writer", planJSON, 409)
			if e.Error.Code != "conflict" {
				t.Fatalf("code %q, want conflict", e.Error.Code)
			}
			if !strings.Contains(e.Error.Message, c.message) {
				t.Fatalf("message %q does not say %q", e.Error.Message, c.message)
			}
			if !strings.Contains(e.Error.Message, "record-plan") {
				t.Fatalf("message %q does not say what to do instead", e.Error.Message)
			}
			after := h.get(rel.ID)
			if (before.Summary == nil) != (after.Summary == nil) || (after.Summary != nil && *after.Summary != *before.Summary) {
				t.Fatalf("summary %+v after the refused plan, was %+v", after.Summary, before.Summary)
			}
			var cl apiwire.ChangeList
			h.call("GET", fmt.Sprintf("/api/v1/releases/%d/changes", rel.ID), "reader", nil, 200, &cl)
			if len(cl.Changes) != 0 {
				t.Fatalf("%d changes after the refused plan, want none", len(cl.Changes))
			}
		})
	}
	t.Run("a phase that has not run takes it", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.env("prod")
		rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "terraform-apply"})
		var pr apiwire.PlanResult
		h.call("POST", fmt.Sprintf("/api/v1/releases/%d/plan", rel.ID), "writer", planJSON, 200, &pr)
		if pr.Summary.Create != 1 {
			t.Fatalf("summary %+v, want 1 to create", pr.Summary)
		}
	})
}
