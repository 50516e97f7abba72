package kube_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube/v1alpha1"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

// Two namespaces, each with a template "apply" of its own and a Release
// "web": each Release runs its own namespace's template, in its own
// namespace, and neither sees the other's release.
func TestNamespacesStayApart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 2)
	a, b := h.ns[0], h.ns[1]
	h.environment("shop-a", a)
	h.environment("shop-b", b)
	h.controller()
	h.worker()
	for _, ns := range []string{a, b} {
		tmpl := &v1alpha1.ReleaseTemplate{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "apply"},
			Spec: template.Spec{Phases: []template.PhaseSpec{
				{Name: "init", Action: release.ActionInit},
				{Name: "plan-" + ns[len(ns)-6:], Action: release.ActionPlan},
				{Name: "apply", Action: release.ActionApply},
			}},
		}
		env := "shop-a"
		if ns == b {
			env = "shop-b"
		}
		h.create(tmpl, newRelease(ns, "web", env, "apply"))
	}
	ids := map[int64]bool{}
	for _, ns := range []string{a, b} {
		cr := h.waitRelease(ns, "web", releaseWait, "SUCCEEDED", statusIs(release.StatusSucceeded))
		if cr.Status.Template != ns+"/apply" {
			t.Errorf("%s: template %q", ns, cr.Status.Template)
		}
		if got := cr.Status.Phases[1].Name; got != "plan-"+ns[len(ns)-6:] {
			t.Errorf("%s: second phase %q: another namespace's template ran", ns, got)
		}
		rel, err := h.st.GetRelease(context.Background(), cr.Status.ReleaseID)
		if err != nil {
			t.Fatal(err)
		}
		if rel.Namespace != ns || rel.TemplateNamespace != ns {
			t.Errorf("%s: stored namespace %q, template namespace %q", ns, rel.Namespace, rel.TemplateNamespace)
		}
		ids[cr.Status.ReleaseID] = true
	}
	if len(ids) != 2 {
		t.Errorf("two Releases share a release: %v", ids)
	}
	all, err := h.st.ListReleases(context.Background(), store.ReleaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Errorf("%d releases stored, want 2", len(all))
	}
}

// A controller stopped while a release waits for approval and another
// started (holding the lease in its turn): the release is not queued again,
// the new controller acts on the approval and the status converges.
func TestControllerRestartMidRelease(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ns := h.ns[0]
	h.environment("shop", ns)
	lease := func(o *kube.Options) {
		o.LeaderElection, o.LeaderElectionNamespace, o.LeaderElectionID = true, ns, "shiplog-"+ns
	}
	stop := h.controller(lease)
	h.worker()
	h.create(approvalTemplate(ns, "gated"), newRelease(ns, "r", "shop", "gated"))
	cr := h.waitRelease(ns, "r", releaseWait, "PENDING_APPROVAL", statusIs(release.StatusPendingApproval))
	stop()

	// While no controller runs: the Release's status loses the release id
	// (as if the controller had died between creating the release and
	// writing it down), and the approval is asked for. The new controller
	// finds the release by the Release's UID instead of queueing another.
	err := h.c.Status().Patch(context.Background(), cr, client.RawPatch(types.MergePatchType, []byte(`{"status":{"releaseID":null}}`)))
	if err != nil {
		t.Fatal(err)
	}
	h.annotate(ns, "r", kube.AnnotationApprove, "after the restart")
	h.controller(lease)
	cr = h.waitRelease(ns, "r", releaseWait, "SUCCEEDED", statusIs(release.StatusSucceeded))
	all, err := h.st.ListReleases(context.Background(), store.ReleaseFilter{Environment: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].ID != cr.Status.ReleaseID {
		t.Errorf("%d releases after the restart, want the one (%d)", len(all), cr.Status.ReleaseID)
	}
	if all[0].Approval.Comment != "after the restart" {
		t.Errorf("approval %+v", all[0].Approval)
	}
}

// Releases that cannot be released say what to fix in a condition and an
// event, and nothing is created; fixed, they go on by themselves.
func TestBadReleasesSayWhatToFix(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ns := h.ns[0]
	h.controller()
	refused := func(name, reason, says string) {
		t.Helper()
		cr := h.waitRelease(ns, name, 30*time.Second, reason, func(r *v1alpha1.Release) bool {
			c := meta.FindStatusCondition(r.Status.Conditions, kube.ConditionAccepted)
			return c != nil && c.Reason == reason
		})
		c := meta.FindStatusCondition(cr.Status.Conditions, kube.ConditionAccepted)
		if c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, says) {
			t.Errorf("%s: Accepted %s %q, want False saying %q", name, c.Status, c.Message, says)
		}
		if cr.Status.ReleaseID != 0 {
			t.Errorf("%s: a release was made: %d", name, cr.Status.ReleaseID)
		}
		waitEvent(t, h, ns, name, "Warning "+reason)
	}
	h.create(newRelease(ns, "no-env", "nowhere", ""))
	refused("no-env", "UnknownEnvironment", `environment "nowhere" does not exist`)

	h.environment("shop", ns)
	h.create(newRelease(ns, "no-template", "shop", "missing"))
	refused("no-template", "UnknownTemplate", `template "missing" not found`)

	secretless := newRelease(ns, "no-secret", "shop", "terraform-apply")
	secretless.Spec.Variables = []v1alpha1.Variable{{Name: "api_token", ValueFrom: &v1alpha1.VariableSource{
		SecretKeyRef: v1alpha1.SecretKeySelector{Name: "absent", Key: "token"}}}}
	h.create(secretless)
	refused("no-secret", "MissingSecret", `Secret "absent" does not exist in namespace "`+ns+`"`)

	// The API server itself refuses a sensitive value in the spec.
	value := "plain"
	inline := newRelease(ns, "inline-secret", "shop", "")
	inline.Spec.Variables = []v1alpha1.Variable{{Name: "api_token", Value: &value, Sensitive: true}}
	if err := h.c.Create(context.Background(), inline); err == nil || !strings.Contains(err.Error(), "valueFrom.secretKeyRef") {
		t.Errorf("a sensitive value in the spec: %v", err)
	}
	all, err := h.st.ListReleases(context.Background(), store.ReleaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 0 {
		t.Errorf("%d releases made from bad Releases", len(all))
	}

	// The environment created afterwards: the first Release goes on.
	h.environment("nowhere", ns)
	h.waitRelease(ns, "no-env", 30*time.Second, "accepted once the environment exists", func(r *v1alpha1.Release) bool {
		return r.Status.ReleaseID != 0 && r.Status.Status == string(release.StatusQueued)
	})
}

// A release created through the API for an environment bound to a
// watched namespace appears there as a Release, which follows it.
func TestAPIReleasesAppearAsReleases(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ns := h.ns[0]
	h.environment("shop", ns)
	h.controller()
	api := testutil.NewAPI(t, h.st)
	tok := api.Tokens(t, map[string][]string{"ci": {"write"}})["ci"]
	id := postRelease(t, api.URL, tok, apiwire.CreateReleaseRequest{Environment: "shop", Template: "terraform-apply"})

	name := fmt.Sprintf("shiplog-%d", id)
	cr := h.waitRelease(ns, name, 30*time.Second, "mirrored", statusIs(release.StatusQueued))
	if cr.Status.ReleaseID != id || cr.Labels[kube.LabelOrigin] != "api" || cr.Spec.Environment != "shop" ||
		cr.Spec.TemplateRef.Name != "terraform-apply" {
		t.Errorf("mirrored Release: %+v %s", cr.ObjectMeta, describe(cr))
	}
	// It follows the release: aborted through the API, the Release says so.
	abort(t, api.URL, tok, id)
	h.waitRelease(ns, name, 30*time.Second, "ABORTED", statusIs(release.StatusAborted))
	all, err := h.st.ListReleases(context.Background(), store.ReleaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 {
		t.Errorf("%d releases: the mirrored Release made another", len(all))
	}
}

// The server's catalog serves the ReleaseTemplates of watched namespaces
// as namespace/name: a template changed is what the next release gets, a
// template deleted is gone, an invalid one is not served.
func TestCatalogServesClusterTemplates(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ns := h.ns[0]
	cat, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	h.background(func(ctx context.Context) error {
		return kube.WatchTemplates(ctx, restConfig, cat, h.ns, testutil.Logger(t))
	})
	phasesOf := func() []string {
		tm, err := cat.Get(ns, "custom")
		if err != nil {
			return nil
		}
		var out []string
		for _, p := range tm.Spec.Phases {
			out = append(out, p.Name)
		}
		return out
	}
	rt := &v1alpha1.ReleaseTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "custom"},
		Spec: template.Spec{Phases: []template.PhaseSpec{{Name: "init", Action: release.ActionInit}}}}
	h.create(rt)
	testutil.Eventually(t, "the template served", 30*time.Second, func() bool { return slices.Equal(phasesOf(), []string{"init"}) })

	rt.Spec.Phases = append(rt.Spec.Phases, template.PhaseSpec{Name: "plan", Action: release.ActionPlan})
	if err := h.c.Update(context.Background(), rt); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "the change served", 30*time.Second, func() bool { return slices.Equal(phasesOf(), []string{"init", "plan"}) })

	if err := h.c.Delete(context.Background(), rt); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "the template gone", 30*time.Second, func() bool {
		_, err := cat.Get(ns, "custom")
		return err != nil
	})
	// The built-ins are still there.
	if _, err := cat.Get("", "terraform-apply"); err != nil {
		t.Error(err)
	}
	// A template the API server accepts but shiplog does not (a phase name
	// twice... caught by the list map; here: two applies without a plan
	// between) is reported by the controller and not served.
	h.controller()
	bad := &v1alpha1.ReleaseTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bad"},
		Spec: template.Spec{Phases: []template.PhaseSpec{
			{Name: "plan", Action: release.ActionPlan}, {Name: "apply", Action: release.ActionApply},
			{Name: "apply-again", Action: release.ActionApply}}}}
	h.create(bad)
	var got v1alpha1.ReleaseTemplate
	testutil.Eventually(t, "the template's Valid condition", 30*time.Second, func() bool {
		if err := h.c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "bad"}, &got); err != nil {
			return false
		}
		return meta.FindStatusCondition(got.Status.Conditions, kube.ConditionValid) != nil
	})
	if c := meta.FindStatusCondition(got.Status.Conditions, kube.ConditionValid); c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, "apply-again") {
		t.Errorf("Valid condition %+v", c)
	}
	if _, err := cat.Get(ns, "bad"); err == nil {
		t.Error("the invalid template is served")
	}
}

// postRelease creates a release through the HTTP API and returns its id.
func postRelease(t *testing.T, url, token string, req apiwire.CreateReleaseRequest) int64 {
	t.Helper()
	body, _ := json.Marshal(req)
	var rel release.Release
	call(t, "POST", url+"/api/v1/releases", token, body, http.StatusCreated, &rel)
	return rel.ID
}

func abort(t *testing.T, url, token string, id int64) {
	t.Helper()
	call(t, "POST", fmt.Sprintf("%s/api/v1/releases/%d/abort", url, id), token, []byte(`{}`), 0, nil)
}

func call(t *testing.T, method, url, token string, body []byte, want int, out any) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 || (want != 0 && resp.StatusCode != want) {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
}

// The controller serves /healthz and /readyz (the chart's probes): ready
// once its caches have synced.
func TestControllerProbes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	h.controller(func(o *kube.Options) { o.HealthAddr = addr })
	for _, path := range []string{"/healthz", "/readyz"} {
		testutil.Eventually(t, path+" answers 200", 30*time.Second, func() bool {
			resp, err := http.Get("http://" + addr + path)
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
	}
}
