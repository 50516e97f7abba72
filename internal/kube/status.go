package kube

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube/v1alpha1"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Condition types and reasons on a Release's status.
const (
	// ConditionAccepted is True once the Release's release exists in
	// shiplog, False with what to fix when its spec cannot be released.
	ConditionAccepted = "Accepted"
	// ConditionReady is True when the release SUCCEEDED, False with the
	// status as reason when it ended otherwise, Unknown while it runs.
	ConditionReady = "Ready"
	// ConditionWaitingForApproval is True while the release waits for an
	// approval (annotate the Release with shiplog.dev/approve or reject).
	ConditionWaitingForApproval = "WaitingForApproval"
)

// maxErrorBytes bounds the error text kept on a Release's status: the rest
// stays in shiplog (the release page names it).
const maxErrorBytes = 512

// statusOf is the status a Release shows for rel: small, whatever the
// release (phases, counts, a link; never logs, changes or plans). pageURL is
// the pages' base URL ("" leaves the link out). conditions are the
// Release's current ones, updated in place and returned.
func statusOf(rel *release.Release, generation int64, pageURL string, conditions []metav1.Condition) v1alpha1.ReleaseStatus {
	st := v1alpha1.ReleaseStatus{
		ObservedGeneration: generation,
		ReleaseID:          rel.ID,
		Status:             string(rel.Status),
		Template:           rel.TemplateNamespace + "/" + rel.Template,
		StartedAt:          metaTime(rel.StartedAt),
		FinishedAt:         metaTime(rel.FinishedAt),
		Error:              truncate(rel.ErrorLog, maxErrorBytes),
		ApprovedBy:         rel.Approval.By,
	}
	if pageURL != "" {
		st.URL = fmt.Sprintf("%s/releases/%d", strings.TrimRight(pageURL, "/"), rel.ID)
	}
	for _, p := range rel.Phases {
		st.Phases = append(st.Phases, v1alpha1.PhaseStatus{
			Name: p.Name, Action: string(p.Action), Status: string(p.Status),
			StartedAt: metaTime(p.StartedAt), FinishedAt: metaTime(p.FinishedAt),
		})
		if p.StartedAt != nil || p.Status != release.PhasePending {
			st.CurrentPhase = p.Name
		}
	}
	if s := rel.Summary; s != nil {
		st.Changes = &v1alpha1.ChangeCounts{Create: s.Create, Update: s.Update, Delete: s.Delete, Replace: s.Replace}
	}
	set := func(c metav1.Condition) {
		c.ObservedGeneration = generation
		meta.SetStatusCondition(&conditions, c)
	}
	set(metav1.Condition{Type: ConditionAccepted, Status: metav1.ConditionTrue, Reason: "Created",
		Message: fmt.Sprintf("shiplog release %d", rel.ID)})
	switch {
	case rel.Status == release.StatusSucceeded:
		set(metav1.Condition{Type: ConditionReady, Status: metav1.ConditionTrue, Reason: "Succeeded", Message: "the release succeeded"})
	case rel.Status.Terminal():
		msg := "the release ended " + string(rel.Status)
		if st.Error != "" {
			msg += ": " + st.Error
		}
		set(metav1.Condition{Type: ConditionReady, Status: metav1.ConditionFalse, Reason: reasonOf(rel.Status), Message: msg})
	default:
		set(metav1.Condition{Type: ConditionReady, Status: metav1.ConditionUnknown, Reason: reasonOf(rel.Status), Message: "the release is " + string(rel.Status)})
	}
	if rel.Status == release.StatusPendingApproval {
		set(metav1.Condition{Type: ConditionWaitingForApproval, Status: metav1.ConditionTrue, Reason: "ApprovalRequired",
			Message: "annotate the Release with " + AnnotationApprove + " or " + AnnotationReject + " (or approve it in shiplog)"})
	} else if meta.FindStatusCondition(conditions, ConditionWaitingForApproval) != nil {
		set(metav1.Condition{Type: ConditionWaitingForApproval, Status: metav1.ConditionFalse, Reason: reasonOf(rel.Status), Message: "not waiting"})
	}
	st.Conditions = conditions
	fitStatus(&st)
	return st
}

// MaxStatusBytes bounds a Release's status as JSON: an object in etcd
// stays small whatever its release (logs, changes and plans are in
// shiplog's database).
const MaxStatusBytes = 8 << 10

// fitStatus keeps st within MaxStatusBytes: first the times of phases
// other than the current one go, then phases from the end (counted in
// PhasesOmitted).
func fitStatus(st *v1alpha1.ReleaseStatus) {
	size := func() int {
		b, _ := json.Marshal(st)
		return len(b)
	}
	if size() <= MaxStatusBytes {
		return
	}
	for i := range st.Phases {
		if st.Phases[i].Name != st.CurrentPhase {
			st.Phases[i].StartedAt, st.Phases[i].FinishedAt = nil, nil
		}
	}
	for len(st.Phases) > 0 && size() > MaxStatusBytes {
		st.Phases = st.Phases[:len(st.Phases)-1]
		st.PhasesOmitted++
	}
}

// reasonOf turns a status into a condition reason (CamelCase, as the API
// server requires): IN_PROGRESS → InProgress.
func reasonOf(s release.Status) string {
	var b strings.Builder
	for part := range strings.SplitSeq(strings.ToLower(string(s)), "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func metaTime(t *time.Time) *metav1.Time {
	if t == nil {
		return nil
	}
	mt := metav1.NewTime(*t)
	return &mt
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
