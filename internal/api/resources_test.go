package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

func TestEnvironments(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var e apiwire.Environment
	h.call("POST", "/api/v1/environments", "admin", apiwire.EnvironmentRequest{Name: "prod", Source: release.Source{Dir: "/tmp"},
		ApprovalRequired: true, PhaseTimeouts: map[string]string{"apply": "45m"},
		Variables: []release.Variable{{Name: "region", Value: "eu-west-1"}, {Name: "password", Value: "hunter2", Sensitive: true}}}, 201, &e)
	if e.Name != "prod" {
		t.Fatalf("created: %+v", e)
	}
	if e.Namespace != "default" {
		t.Fatalf("created: %+v", e)
	}
	if e.DefaultTemplate != "terraform-apply" {
		t.Fatalf("created: %+v", e)
	}
	if e.PhaseTimeouts["apply"] != "45m0s" {
		t.Fatalf("created: %+v", e)
	}
	if e.ID == 0 {
		t.Fatalf("created: %+v", e)
	}
	_, body := h.do("GET", "/api/v1/environments/prod", "reader", nil)
	if strings.Contains(string(body), "hunter2") {
		t.Fatalf("environment shows secrets or lacks values: %s", body)
	}
	if !strings.Contains(string(body), "eu-west-1") {
		t.Fatalf("environment shows secrets or lacks values: %s", body)
	}
	// A read environment can be sent back as is; a sensitive variable
	// without a value keeps its value.
	e.ApprovalRequired = false
	h.call("PUT", "/api/v1/environments/prod", "admin", e, 200, &e)
	if e.ApprovalRequired {
		t.Fatalf("updated: %+v", e)
	}
	env, err := h.st.EnvironmentForRun(context.Background(), "prod")
	if err != nil {
		t.Fatal(err)
	}
	if env.Variables[1].Value != "hunter2" {
		t.Fatalf("sensitive value after update: %+v %v", env, err)
	}
	h.fails("PUT", "/api/v1/environments/nope", "admin", apiwire.EnvironmentRequest{Source: release.Source{Dir: "/x"}}, 404)
	h.fails("POST", "/api/v1/environments", "writer", apiwire.EnvironmentRequest{Name: "x", Source: release.Source{Dir: "/x"}}, 403)
	var l apiwire.EnvironmentList
	h.call("GET", "/api/v1/environments", "reader", nil, 200, &l)
	if len(l.Environments) != 1 {
		t.Fatalf("list: %+v", l)
	}
	if l.Environments[0].Name != "prod" {
		t.Fatalf("list: %+v", l)
	}
}

func TestArtifacts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ids []int64
	for i := range 4 {
		var a release.Artifact
		h.call("POST", "/api/v1/artifacts", "writer", apiwire.ArtifactRequest{URI: fmt.Sprintf("oci://reg/web:%d", i), AppName: "web", StackName: "shop",
			BuildID: fmt.Sprintf("b%d", i), RegistrationMetadata: map[string]any{"commit": "abc"}}, 201, &a)
		ids = append(ids, a.ID)
	}
	h.call("POST", "/api/v1/artifacts", "writer", apiwire.ArtifactRequest{URI: "oci://reg/api:1", AppName: "api", StackName: "shop"}, 201, nil)
	var a release.Artifact
	h.call("GET", "/api/v1/artifacts/latest?app_name=web&stack_name=shop", "reader", nil, 200, &a)
	if a.ID != ids[3] {
		t.Fatalf("latest: %+v", a)
	}
	if a.RegistrationMetadata["commit"] != "abc" {
		t.Fatalf("latest: %+v", a)
	}
	h.fails("GET", "/api/v1/artifacts/latest?app_name=nope", "reader", nil, 404)
	h.call("GET", fmt.Sprintf("/api/v1/artifacts/%d", ids[1]), "reader", nil, 200, &a)
	if a.BuildID != "b1" {
		t.Fatalf("get: %+v", a)
	}
	var l apiwire.ArtifactList
	h.call("GET", "/api/v1/artifacts?app_name=web&limit=3", "reader", nil, 200, &l)
	if len(l.Artifacts) != 3 {
		t.Fatalf("page 1: %+v", l)
	}
	if l.NextCursor == "" {
		t.Fatalf("page 1: %+v", l)
	}
	cursor := l.NextCursor
	l = apiwire.ArtifactList{}
	h.call("GET", "/api/v1/artifacts?app_name=web&limit=3&cursor="+cursor, "reader", nil, 200, &l)
	if len(l.Artifacts) != 1 {
		t.Fatalf("page 2: %+v", l)
	}
	if l.Artifacts[0].ID != ids[0] {
		t.Fatalf("page 2: %+v", l)
	}
	if l.NextCursor != "" {
		t.Fatalf("page 2: %+v", l)
	}
	h.call("GET", "/api/v1/artifacts?build_id=b2", "reader", nil, 200, &l)
	if len(l.Artifacts) != 1 {
		t.Fatalf("by build: %+v", l)
	}
	// A release deploys an existing artifact by id and a new one inline.
	h.env("shop")
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "shop", Artifacts: []apiwire.ArtifactRef{{ID: ids[2]}, {URI: "oci://reg/worker:9", AppName: "worker"}}})
	if len(rel.Artifacts) != 2 {
		t.Fatalf("release artifacts: %+v", rel.Artifacts)
	}
	if rel.Artifacts[0].ID != ids[2] {
		t.Fatalf("release artifacts: %+v", rel.Artifacts)
	}
	if rel.Artifacts[1].ID == 0 {
		t.Fatalf("release artifacts: %+v", rel.Artifacts)
	}
}

func TestSignOffAndRollback(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.env("shop")
	// v1 and v2 succeed, with their blueprint versions and artifacts
	run := func(version, image string, final release.Status) *release.Release {
		r := h.createRelease(apiwire.CreateReleaseRequest{Environment: "shop", BlueprintVersion: version,
			Artifacts: []apiwire.ArtifactRef{{URI: image, AppName: "web"}},
			Variables: []release.Variable{{Name: "token", Value: "s3cret-" + version, Sensitive: true}, {Name: "replicas", Value: "3"}}})
		h.claim(r.ID)
		h.finish(r.ID, release.StatusInProgress, final)
		return h.get(r.ID)
	}
	v1 := run("v1", "oci://web:1", release.StatusSucceeded)
	v2 := run("v2", "oci://web:2", release.StatusSucceeded)
	failed := run("v3", "oci://web:3", release.StatusFailed)

	// sign-off: once, on a finished release, by an approver
	h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/signoff", v2.ID), "writer", `{"status": "APPROVED"}`, 403)
	var r release.Release
	h.call("POST", fmt.Sprintf("/api/v1/releases/%d/signoff", v2.ID), "approver", apiwire.SignOffRequest{Status: release.SignOffApproved, Comment: "looks good"}, 200, &r)
	if r.SignOff.Status != release.SignOffApproved {
		t.Fatalf("sign-off: %+v", r.SignOff)
	}
	if r.SignOff.By != "approver" {
		t.Fatalf("sign-off: %+v", r.SignOff)
	}
	if r.SignOff.At == nil {
		t.Fatalf("sign-off: %+v", r.SignOff)
	}
	if r.SignOff.Comment != "looks good" {
		t.Fatalf("sign-off: %+v", r.SignOff)
	}
	e := h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/signoff", v2.ID), "approver", `{"status": "REJECTED"}`, 409)
	if !strings.Contains(e.Error.Message, "already signed off by approver") {
		t.Fatalf("second sign-off: %+v", e)
	}
	queued := h.createRelease(apiwire.CreateReleaseRequest{Environment: "shop", Template: "full-plan"})
	e = h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/signoff", queued.ID), "approver", `{"status": "APPROVED"}`, 409)
	if !strings.Contains(e.Error.Message, "QUEUED") {
		t.Fatalf("sign-off of a queued release: %+v", e)
	}
	h.fails("POST", "/api/v1/releases/999/signoff", "approver", `{"status": "APPROVED"}`, 404)

	// rollback to v1: a new ROLLBACK release with v1's blueprint and artifacts
	h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/rollback", v1.ID), "reader", nil, 403)
	var rb release.Release
	h.call("POST", fmt.Sprintf("/api/v1/releases/%d/rollback", v1.ID), "writer", nil, 201, &rb)
	if rb.DeploymentType != release.DeploymentRollback || rb.RollbackOf == nil || *rb.RollbackOf != v1.ID || rb.BlueprintVersion != "v1" ||
		len(rb.Artifacts) != 1 || rb.Artifacts[0].ID != v1.Artifacts[0].ID || rb.TriggeredBy != "writer" || rb.Template != "terraform-apply" {
		t.Fatalf("rollback release: %+v", rb)
	}
	vars, err := h.st.ReleaseVariables(ctx, rb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(vars) != 2 {
		t.Fatalf("rollback variables: %+v %v", vars, err)
	}
	if vars[0].Value != "s3cret-v1" {
		t.Fatalf("rollback variables: %+v %v", vars, err)
	}
	if !vars[0].Sensitive {
		t.Fatalf("rollback variables: %+v %v", vars, err)
	}
	for _, v := range h.get(rb.ID).Variables {
		if v.Sensitive && v.Value != "" {
			t.Fatalf("a sensitive value is shown: %+v", v)
		}
	}
	// refused: a failed release, a plan, an unknown one
	e = h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/rollback", failed.ID), "writer", nil, 409)
	if !strings.Contains(e.Error.Message, "FAILED") {
		t.Fatalf("rollback to a failed release: %+v", e)
	}
	var plan release.Release
	h.call("POST", "/api/v1/environments/shop/plans?blueprint_version=v9", "writer", planJSON, 201, &plan)
	e = h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/rollback", plan.ID), "writer", nil, 409)
	if !strings.Contains(e.Error.Message, "is of type PLAN") {
		t.Fatalf("rollback to a plan: %+v", e)
	}
	h.fails("POST", "/api/v1/releases/4242/rollback", "writer", nil, 404)
}

func TestRecordPlanAndHealth(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.env("prod")
	var rel release.Release
	h.call("POST", "/api/v1/environments/prod/plans?blueprint_version=git-abc", "writer", planJSON, 201, &rel)
	if rel.Status != release.StatusSucceeded || rel.Type != release.TypePlan || rel.Template != "full-plan" || rel.TriggeredBy != "writer" ||
		rel.Summary.Create != 1 || rel.Summary.Update != 1 || rel.BlueprintVersion != "git-abc" || rel.FinishedAt == nil {
		t.Fatalf("recorded plan: %+v", rel)
	}
	if rel.Phases[0].Status != release.PhaseSkipped {
		t.Fatalf("recorded phases: %+v", rel.Phases)
	}
	if rel.Phases[1].Status != release.PhaseSucceeded {
		t.Fatalf("recorded phases: %+v", rel.Phases)
	}
	// it is never queued for a worker
	if r, err := h.st.Claim(ctx, "w", 0); r != nil || err != nil {
		t.Fatalf("a recorded plan was claimed: %v %v", r, err)
	}
	var cl apiwire.ChangeList
	h.call("GET", fmt.Sprintf("/api/v1/releases/%d/changes?all=true", rel.ID), "reader", nil, 200, &cl)
	if len(cl.Changes) != 3 {
		t.Fatalf("changes with no-ops: %+v", cl)
	}
	h.call("GET", fmt.Sprintf("/api/v1/releases/%d/changes?module=module.db", rel.ID), "reader", nil, 200, &cl)
	if len(cl.Changes) != 1 {
		t.Fatalf("module changes: %+v", cl)
	}
	if cl.Changes[0].Action != release.ChangeUpdate {
		t.Fatalf("module changes: %+v", cl)
	}
	if cl.Changes[0].Fields[0].Path != "input" {
		t.Fatalf("module changes: %+v", cl)
	}
	h.call("GET", fmt.Sprintf("/api/v1/releases/%d/changes?kind=output", rel.ID), "reader", nil, 200, &cl)
	if len(cl.Changes) != 1 {
		t.Fatalf("outputs: %+v", cl)
	}
	if cl.Changes[0].Kind != release.KindOutput {
		t.Fatalf("outputs: %+v", cl)
	}
	h.call("GET", fmt.Sprintf("/api/v1/releases/%d/changes?limit=1", rel.ID), "reader", nil, 200, &cl)
	if len(cl.Changes) != 1 {
		t.Fatalf("page 1: %+v", cl)
	}
	if cl.NextCursor == "" {
		t.Fatalf("page 1: %+v", cl)
	}
	first, cursor := cl.Changes[0].Address, cl.NextCursor
	cl = apiwire.ChangeList{}
	h.call("GET", fmt.Sprintf("/api/v1/releases/%d/changes?limit=1&cursor=%s", rel.ID, cursor), "reader", nil, 200, &cl)
	if len(cl.Changes) != 1 {
		t.Fatalf("page 2: %+v", cl)
	}
	if cl.Changes[0].Address == first {
		t.Fatalf("page 2: %+v", cl)
	}
	if cl.NextCursor != "" {
		t.Fatalf("page 2: %+v", cl)
	}
	h.fails("POST", "/api/v1/environments/nope/plans", "writer", planJSON, 404)
	h.fails("POST", "/api/v1/environments/prod/plans?template=terraform-apply&phase=apply", "writer", planJSON, 400)

	// health of a resource a release touched
	web := "oci://web:2"
	if err := h.st.RecordResourceStatus(ctx, rel.ID, []store.ResourceOutcome{{Address: "terraform_data.web", ArtifactURL: &web}}, release.ResourceCompleted); err != nil {
		t.Fatal(err)
	}
	var rl apiwire.ResourceList
	h.call("POST", "/api/v1/environments/prod/resources/health", "writer", apiwire.HealthReport{Address: "terraform_data.web", HealthStatus: release.Degraded}, 200, &rl)
	if len(rl.Resources) != 1 {
		t.Fatalf("health: %+v", rl)
	}
	if rl.Resources[0].HealthStatus != release.Degraded {
		t.Fatalf("health: %+v", rl)
	}
	h.fails("POST", "/api/v1/environments/prod/resources/health", "writer", apiwire.HealthReport{Address: "terraform_data.nope", HealthStatus: release.Healthy}, 404)
	h.call("GET", "/api/v1/environments/prod/resources?address=terraform_data.web", "reader", nil, 200, &rl)
	if len(rl.Resources) != 1 {
		t.Fatalf("resources: %+v", rl)
	}
	if rl.Resources[0].SyncStatus != release.InSync {
		t.Fatalf("resources: %+v", rl)
	}
}

func TestHealthReadinessMetrics(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var hl apiwire.Health
	h.call("GET", "/healthz", "", nil, 200, &hl)
	h.call("GET", "/readyz", "", nil, 200, &hl)
	if hl.Status != "ready" {
		t.Fatalf("readyz: %+v", hl)
	}
	if len(hl.Migrations) == 0 {
		t.Fatalf("readyz: %+v", hl)
	}
	h.env("prod")
	h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "full-plan"})
	h.do("GET", "/api/v1/releases/77", "reader", nil)
	code, b := h.do("GET", "/metrics", "", nil)
	m := string(b)
	for _, want := range []string{
		`shiplog_http_requests_total{route="POST /api/v1/releases",method="POST",code="201"} 1`,
		`shiplog_http_requests_total{route="GET /api/v1/releases/{id}",method="GET",code="404"} 1`,
		`shiplog_http_request_duration_seconds_bucket{route="POST /api/v1/releases",le="+Inf"} 1`,
		`shiplog_releases{status="QUEUED"} 1`,
		`shiplog_releases{status="SUCCEEDED"} 0`,
		"shiplog_sse_clients 0",
		"shiplog_log_listener_up 1",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if code != 200 {
		t.Fatalf("metrics (%d):\n%s", code, m)
	}
	if t.Failed() {
		t.Fatalf("metrics (%d):\n%s", code, m)
	}
}

// Releases are served from memory, and every change the store
// announces (from this process or another) reaches GETs at once.
func TestFinishedReleaseCacheFollowsChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.env("prod")
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "full-plan"})
	h.claim(rel.ID)
	h.finish(rel.ID, release.StatusInProgress, release.StatusSucceeded)
	h.get(rel.ID) // cached now (a late announcement of the finish only drops it again)
	h.get(rel.ID)
	// another process signs it off: its announcement drops the copy
	if err := h.st.SignOff(ctx, rel.ID, release.SignOffRejected, "bob", "broke checkout"); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "the cached release to show the sign-off", 5*time.Second, func() bool { return h.get(rel.ID).SignOff.By == "bob" })
	var l apiwire.ReleaseList
	h.call("GET", "/api/v1/releases?environment=prod", "reader", nil, 200, &l)
	if len(l.Releases) != 1 {
		t.Fatalf("listed after sign-off: %+v", l.Releases)
	}
	if l.Releases[0].SignOff.By != "bob" {
		t.Fatalf("listed after sign-off: %+v", l.Releases)
	}
	if len(l.Releases[0].Phases) != 2 {
		t.Fatalf("listed after sign-off: %+v", l.Releases)
	}
	// its plan phase never ran (SKIPPED when it ended): a plan sent now is
	// refused, and the cached copy keeps its summary
	h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/plan", rel.ID), "writer", planJSON, 409)
	if got := h.get(rel.ID); got.Summary != nil && got.Summary.Create != 0 {
		t.Fatalf("summary after ingesting a plan: %+v", got.Summary)
	}
}

// A running release is cached too: every write a worker makes to it is
// announced, so GETs follow its phases.
func TestRunningReleaseCacheFollowsPhases(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.env("prod")
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "full-plan"})
	h.claim(rel.ID)
	h.get(rel.ID) // cached now
	if err := h.st.StartPhase(ctx, rel.ID, 0); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "the cached release to show its phase started", 5*time.Second, func() bool { return h.get(rel.ID).Phases[0].Status == release.PhaseInProgress })
	if err := h.st.FinishPhase(ctx, rel.ID, 0, release.PhaseSucceeded, ""); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "the cached release to show its phase succeeded", 5*time.Second, func() bool { return h.get(rel.ID).Phases[0].Status == release.PhaseSucceeded })
	if err := h.st.SetBlueprintVersion(ctx, rel.ID, "v42"); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, "the cached release to show its blueprint version", 5*time.Second, func() bool { return h.get(rel.ID).BlueprintVersion == "v42" })
}
