package kube_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube/v1alpha1"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

// releaseWait bounds a real terraform release on a loaded 2-core machine.
const releaseWait = 3 * time.Minute

// The example of examples/kubernetes, applied as `kubectl apply -f` would:
// its Release runs a real terraform init, plan and apply to SUCCEEDED, and
// the Release shows each phase, the change counts and the page's link.
func TestReleaseRunsToSucceeded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ns := h.ns[0]
	h.environment("shop", ns)
	h.controller()
	h.worker()
	h.create(example(t, ns)...)

	cr := h.waitRelease(ns, "web-1", releaseWait, "SUCCEEDED", func(r *v1alpha1.Release) bool {
		return release.Status(r.Status.Status).Terminal()
	})
	if cr.Status.Status != string(release.StatusSucceeded) {
		t.Fatalf("release ended %s: %s", cr.Status.Status, describe(cr))
	}
	st := cr.Status
	if st.ReleaseID == 0 || st.URL != fmt.Sprintf("http://shiplog.test/releases/%d", st.ReleaseID) {
		t.Errorf("release id %d, url %q", st.ReleaseID, st.URL)
	}
	if st.Template != ns+"/apply" {
		t.Errorf("template %q, want the namespace's %s/apply", st.Template, ns)
	}
	var names []string
	for _, p := range st.Phases {
		names = append(names, p.Name+"="+p.Status)
		if p.StartedAt == nil || p.FinishedAt == nil {
			t.Errorf("phase %s has no start or finish: %+v", p.Name, p)
		}
	}
	if want := []string{"init=SUCCEEDED", "plan=SUCCEEDED", "apply=SUCCEEDED"}; !slices.Equal(names, want) {
		t.Errorf("phases %v, want %v", names, want)
	}
	if st.Changes == nil || st.Changes.Create != 1 {
		t.Errorf("changes %+v, want one create", st.Changes)
	}
	if c := meta.FindStatusCondition(st.Conditions, kube.ConditionReady); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Ready condition %+v", c)
	}
	if c := meta.FindStatusCondition(st.Conditions, kube.ConditionAccepted); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Accepted condition %+v", c)
	}
	if st.ObservedGeneration != cr.Generation {
		t.Errorf("observedGeneration %d, generation %d", st.ObservedGeneration, cr.Generation)
	}
	if !slices.Contains(cr.Finalizers, kube.Finalizer) {
		t.Errorf("finalizers %v", cr.Finalizers)
	}
	b, _ := json.Marshal(st)
	if len(b) > 8<<10 {
		t.Errorf("status is %d bytes, more than 8 KiB", len(b))
	}
	if strings.Contains(string(b), "s3cr3t") {
		t.Errorf("the secret's value is in the status: %s", b)
	}

	// The store has the release as the Release asked: its namespace, the
	// namespace's template, the secret sealed.
	rel, err := h.st.GetRelease(context.Background(), st.ReleaseID)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Namespace != ns || rel.TemplateNamespace != ns || rel.Environment != "shop" {
		t.Errorf("stored release: namespace %q, template %s/%s, environment %q", rel.Namespace, rel.TemplateNamespace, rel.Template, rel.Environment)
	}
	if !strings.HasPrefix(rel.TriggeredBy, kube.CallerPrefix+ns+"/web-1") {
		t.Errorf("triggered by %q", rel.TriggeredBy)
	}
	vars, err := h.st.ReleaseVariables(context.Background(), rel.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vars {
		if v.Name == "api_token" && (!v.Sensitive || v.Value != "s3cr3t-t0ken-value") {
			t.Errorf("api_token: sensitive %v, value from the Secret %v", v.Sensitive, v.Value == "s3cr3t-t0ken-value")
		}
	}
	if len(rel.Artifacts) != 1 || rel.Artifacts[0].URI != "registry.example.com/shop/web:1.4.2" {
		t.Errorf("artifacts %+v", rel.Artifacts)
	}
	// Exactly one release for the Release.
	all, err := h.st.ListReleases(context.Background(), store.ReleaseFilter{Environment: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 {
		t.Errorf("%d releases for one Release", len(all))
	}
	// The ReleaseTemplate was accepted.
	var rt v1alpha1.ReleaseTemplate
	if err := h.c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "apply"}, &rt); err != nil {
		t.Fatal(err)
	}
	if c := meta.FindStatusCondition(rt.Status.Conditions, kube.ConditionValid); c == nil || c.Status != metav1.ConditionTrue || rt.Status.PhaseCount != 3 {
		t.Errorf("ReleaseTemplate status %+v", rt.Status)
	}
}

// approvalTemplate is a ReleaseTemplate whose apply waits for approval.
func approvalTemplate(ns, name string) *v1alpha1.ReleaseTemplate {
	return &v1alpha1.ReleaseTemplate{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: template.Spec{Phases: []template.PhaseSpec{
			{Name: "init", Action: release.ActionInit},
			{Name: "plan", Action: release.ActionPlan},
			{Name: "apply", Action: release.ActionApply, Approval: template.ApprovalRequired},
		}},
	}
}

func newRelease(ns, name, env, tmpl string) *v1alpha1.Release {
	return &v1alpha1.Release{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       v1alpha1.ReleaseSpec{Environment: env, TemplateRef: v1alpha1.TemplateRef{Name: tmpl}},
	}
}

// Approve and reject from the cluster: the Release shows PENDING_APPROVAL
// with a condition saying how to go on; the approve annotation lets it
// run to SUCCEEDED, recording who approved, and is removed; the reject
// annotation ends the next one REJECTED; an annotation that does not fit
// (approving a finished release) is a warning event, not an error.
func TestApprovalRoundTrip(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ns := h.ns[0]
	h.environment("shop", ns)
	h.controller()
	h.worker()
	h.create(approvalTemplate(ns, "gated"), newRelease(ns, "r1", "shop", "gated"))

	cr := h.waitRelease(ns, "r1", releaseWait, "PENDING_APPROVAL", statusIs(release.StatusPendingApproval))
	if c := meta.FindStatusCondition(cr.Status.Conditions, kube.ConditionWaitingForApproval); c == nil || c.Status != metav1.ConditionTrue ||
		!strings.Contains(c.Message, kube.AnnotationApprove) {
		t.Errorf("WaitingForApproval condition %+v", c)
	}
	if cr.Status.CurrentPhase != "apply" || cr.Status.Changes == nil {
		t.Errorf("current phase %q, changes %+v", cr.Status.CurrentPhase, cr.Status.Changes)
	}
	h.annotate(ns, "r1", kube.AnnotationApprove, "looks right")
	cr = h.waitRelease(ns, "r1", releaseWait, "SUCCEEDED", statusIs(release.StatusSucceeded))
	if cr.Status.ApprovedBy != kube.CallerPrefix+ns+"/r1" {
		t.Errorf("approved by %q", cr.Status.ApprovedBy)
	}
	cr = h.waitRelease(ns, "r1", 30*time.Second, "approve annotation removed", func(r *v1alpha1.Release) bool {
		_, ok := r.Annotations[kube.AnnotationApprove]
		return !ok
	})
	rel, err := h.st.GetRelease(context.Background(), cr.Status.ReleaseID)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Approval.Comment != "looks right" {
		t.Errorf("approval %+v", rel.Approval)
	}
	if c := meta.FindStatusCondition(cr.Status.Conditions, kube.ConditionWaitingForApproval); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("WaitingForApproval after approval %+v", c)
	}

	// Approving a finished release: refused with a warning event.
	h.annotate(ns, "r1", kube.AnnotationApprove, "again")
	h.waitRelease(ns, "r1", 30*time.Second, "refused annotation removed", func(r *v1alpha1.Release) bool {
		_, ok := r.Annotations[kube.AnnotationApprove]
		return !ok
	})
	waitEvent(t, h, ns, "r1", "Warning AnnotationRefused")

	h.create(newRelease(ns, "r2", "shop", "gated"))
	h.waitRelease(ns, "r2", releaseWait, "PENDING_APPROVAL", statusIs(release.StatusPendingApproval))
	h.annotate(ns, "r2", kube.AnnotationReject, "not today")
	cr = h.waitRelease(ns, "r2", releaseWait, "REJECTED", statusIs(release.StatusRejected))
	if c := meta.FindStatusCondition(cr.Status.Conditions, kube.ConditionReady); c == nil || c.Status != metav1.ConditionFalse || c.Reason != "Rejected" {
		t.Errorf("Ready condition %+v", c)
	}
}

// waitEvent waits until an event about name in ns starts with prefix.
func waitEvent(t *testing.T, h *harness, ns, name, prefix string) {
	t.Helper()
	// Events are written asynchronously by the recorder and announce
	// nothing a test can wait on: the shared poller looks again.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var evs []string
	if err := testutil.Until(ctx, func() bool {
		evs = h.events(ns, name)
		return slices.ContainsFunc(evs, func(e string) bool { return strings.HasPrefix(e, prefix) })
	}); err != nil {
		t.Fatalf("no %q event about %s/%s; events: %q", prefix, ns, name, evs)
	}
}

// Deleting a Release whose release is running aborts the release (the
// finalizer), and the Release then goes.
func TestDeletingAReleaseAbortsIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ns := h.ns[0]
	h.environment("shop", ns)
	h.controller()
	h.worker()
	h.create(&v1alpha1.ReleaseTemplate{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "slow"},
		Spec: template.Spec{Phases: []template.PhaseSpec{
			{Name: "init", Action: release.ActionInit},
			{Name: "wait", Action: release.ActionRun, Command: "sleep", Args: []string{"300"}},
		}},
	}, newRelease(ns, "long", "shop", "slow"))
	cr := h.waitRelease(ns, "long", releaseWait, "running its wait phase", func(r *v1alpha1.Release) bool {
		return r.Status.Status == string(release.StatusInProgress) && r.Status.CurrentPhase == "wait"
	})
	if err := h.c.Delete(context.Background(), cr); err != nil {
		t.Fatal(err)
	}
	rel := h.waitStored(cr.Status.ReleaseID, releaseWait, "ABORTED", func(r *release.Release) bool { return r.Status.Terminal() })
	if rel.Status != release.StatusAborted {
		t.Errorf("release ended %s, want ABORTED", rel.Status)
	}
	if rel.AbortRequested == nil || rel.AbortRequested.By != kube.CallerPrefix+ns+"/long" {
		t.Errorf("abort requested %+v", rel.AbortRequested)
	}
	h.waitGone(ns, "long")
}

// waitGone waits until Release ns/name no longer exists.
func (h *harness) waitGone(ns, name string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w, err := h.c.Watch(ctx, &v1alpha1.ReleaseList{}, client.InNamespace(ns), client.MatchingFields{"metadata.name": name})
	if err != nil {
		h.t.Fatal(err)
	}
	defer w.Stop()
	if err := h.c.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &v1alpha1.Release{}); isNotFound(err) {
		return
	}
	for ev := range w.ResultChan() {
		if ev.Type == "DELETED" {
			return
		}
	}
	h.t.Fatalf("Release %s/%s still exists", ns, name)
}
