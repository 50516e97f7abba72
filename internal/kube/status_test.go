package kube

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// The status stays within 8 KiB whatever the release: the most phases a
// template may have, with the longest names, and a huge error (cut on a
// rune); phases that do not fit are counted, not shown.
func TestStatusStaysSmall(t *testing.T) {
	t.Parallel()
	now := time.Now()
	rel := &release.Release{ID: 1 << 40, Status: release.StatusFailed, Template: strings.Repeat("t", 63),
		TemplateNamespace: strings.Repeat("n", 63), StartedAt: &now, FinishedAt: &now,
		ErrorLog: strings.Repeat("é", 100000), Summary: &release.Summary{Create: 1 << 30},
		Approval: release.Approval{By: strings.Repeat("a", 200)}}
	for i := range template.MaxPhases {
		rel.Phases = append(rel.Phases, release.Phase{Name: fmt.Sprintf("%s-%02d", strings.Repeat("p", 60), i),
			Action: release.ActionDestroyPlan, Status: release.PhaseSucceeded, StartedAt: &now, FinishedAt: &now})
	}
	st := statusOf(rel, 3, "https://shiplog.example.com/", nil)
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > MaxStatusBytes {
		t.Errorf("status of %d bytes", len(b))
	}
	if st.PhasesOmitted == 0 || len(st.Phases)+st.PhasesOmitted != template.MaxPhases {
		t.Errorf("%d phases kept, %d omitted", len(st.Phases), st.PhasesOmitted)
	}
	if len(st.Error) > maxErrorBytes || !strings.HasSuffix(st.Error, "…") || !strings.HasPrefix(st.Error, "éé") {
		t.Errorf("error cut to %d bytes: %q…", len(st.Error), st.Error[:10])
	}
	if st.URL != "https://shiplog.example.com/releases/1099511627776" {
		t.Errorf("url %q", st.URL)
	}
	// A typical release (four phases) keeps them all, with their times.
	rel.Phases = rel.Phases[:4]
	st = statusOf(rel, 3, "https://shiplog.example.com", nil)
	if len(st.Phases) != 4 || st.PhasesOmitted != 0 || st.Phases[0].StartedAt == nil {
		t.Errorf("four-phase status: %d phases, %d omitted", len(st.Phases), st.PhasesOmitted)
	}
}

func TestReasonOf(t *testing.T) {
	t.Parallel()
	for s, want := range map[release.Status]string{release.StatusInProgress: "InProgress", release.StatusTimedOut: "TimedOut",
		release.StatusPendingApproval: "PendingApproval", release.StatusQueued: "Queued"} {
		if got := reasonOf(s); got != want {
			t.Errorf("reasonOf(%s) = %q, want %q", s, got, want)
		}
	}
}
