package worker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/pgcluster"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/secret"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

func approve(t *testing.T, h *harness, id int64, by string) {
	t.Helper()
	if err := h.store.Transition(context.Background(), store.StatusChange{ID: id, From: release.StatusPendingApproval, To: release.StatusQueued,
		ApprovedBy: by, ApprovalComment: "looks right"}); err != nil {
		t.Fatal(err)
	}
}

// An environment that needs approval stops before apply, showing the plan's
// changes; once approved, another worker (fresh working copy) applies
// exactly the saved plan.
func TestApprovalThenApplyOnAnotherWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.env("shop", quickstart(t), func(e *release.Environment) { e.ApprovalRequired = true })
	r := h.release("shop", "terraform-apply")
	h.runOnce(h.worker())
	got := h.get(r.ID)
	if got.Status != release.StatusPendingApproval {
		t.Fatalf("before approval: %s %+v %+v\n%s", got.Status, got.Phases[3], got.Summary, got.ErrorLog)
	}
	if got.Phases[3].Status != release.PhasePendingApproval {
		t.Fatalf("before approval: %s %+v %+v\n%s", got.Status, got.Phases[3], got.Summary, got.ErrorLog)
	}
	if got.Summary.Create != 3 {
		t.Fatalf("before approval: %s %+v %+v\n%s", got.Status, got.Phases[3], got.Summary, got.ErrorLog)
	}
	rs, err := h.store.ListResourceStatus(ctx, "shop", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("resource status while pending: %+v", rs)
	}
	if rs[0].ReleaseStatus != release.ResourceQueued {
		t.Fatalf("resource status while pending: %+v", rs)
	}
	if rs[0].SyncStatus != release.OutOfSync {
		t.Fatalf("resource status while pending: %+v", rs)
	}
	planData, sum, _, err := h.store.PlanFile(ctx, r.ID, "plan")
	if err != nil {
		t.Fatal(err)
	}
	if len(planData) == 0 {
		t.Fatal(err)
	}
	approve(t, h, r.ID, "dana")

	h.cfg.WorkDir = t.TempDir() // another worker, another disk
	h.runOnce(h.worker())
	got = h.get(r.ID)
	if got.Status != release.StatusSucceeded {
		t.Fatalf("after approval: %s %+v\n%s", got.Status, got.Approval, got.ErrorLog)
	}
	if got.Approval.By != "dana" {
		t.Fatalf("after approval: %s %+v\n%s", got.Status, got.Approval, got.ErrorLog)
	}
	if got.Approval.At == nil {
		t.Fatalf("after approval: %s %+v\n%s", got.Status, got.Approval, got.ErrorLog)
	}
	text := joinLogs(h.logs(r.ID))
	for _, want := range []string{"needs approval", "approved by dana: looks right", "running terraform init first", "sha256 " + sum[:16], "Apply complete! Resources: 3 added"} {
		if !strings.Contains(text, want) {
			t.Fatalf("log lacks %q:\n%s", want, text)
		}
	}
	// seq continued across the two workers
	for i, e := range h.logs(r.ID) {
		if e.Seq != int64(i+1) {
			t.Fatalf("seq %d at %d", e.Seq, i)
		}
	}
}

func TestRejectedRelease(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop", quickstart(t), func(e *release.Environment) { e.ApprovalRequired = true })
	r := h.release("shop", "terraform-apply")
	r2 := h.release("shop", "full-plan")
	w := h.worker()
	h.runOnce(w)
	// the environment waits behind the pending release
	ran, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("ran another release while one waits for approval")
	}
	if err := h.store.Transition(context.Background(), store.StatusChange{ID: r.ID, From: release.StatusPendingApproval, To: release.StatusRejected,
		Reason: "rejected by erin", ApprovedBy: "erin"}); err != nil {
		t.Fatal(err)
	}
	h.runOnce(w)
	if got := h.get(r2.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("next release after reject: %s", got.Status)
	}
}

// A rollback re-applies the blueprint and artifacts of an earlier release.
func TestRollbackReappliesEarlierBlueprint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	dir := quickstart(t)
	h.env("shop", dir)
	w := h.worker()
	art := func(v string) func(*release.Release) {
		return func(r *release.Release) {
			r.Artifacts = []release.Artifact{{URI: "registry.example.com/shop/web:" + v, AppName: "web", StackName: "shop", DeploysTo: []string{"terraform_data.web"}}}
		}
	}
	r1 := h.release("shop", "terraform-apply", art("1"))
	h.runOnce(w)
	v1 := h.get(r1.ID)
	// the configuration changes on disk, and a new artifact goes out
	writeFile(t, dir, "extra.tf", `resource "terraform_data" "cache" { input = "redis" }`)
	r2 := h.release("shop", "terraform-apply", art("2"))
	h.runOnce(w)
	v2 := h.get(r2.ID)
	if v2.Status != release.StatusSucceeded {
		t.Fatalf("second release: %s %s", v2.Status, v2.BlueprintVersion)
	}
	if v2.BlueprintVersion == v1.BlueprintVersion {
		t.Fatalf("second release: %s %s", v2.Status, v2.BlueprintVersion)
	}
	rb := h.release("shop", "terraform-apply", func(r *release.Release) {
		r.DeploymentType = release.DeploymentRollback
		r.RollbackOf = &v1.ID
		r.BlueprintVersion = v1.BlueprintVersion
		r.Artifacts = v1.Artifacts
	})
	h.runOnce(w)
	got := h.get(rb.ID)
	if got.Status != release.StatusSucceeded {
		t.Fatalf("rollback: %s %s %+v\n%s", got.Status, got.BlueprintVersion, got.Summary, got.ErrorLog)
	}
	if got.BlueprintVersion != v1.BlueprintVersion {
		t.Fatalf("rollback: %s %s %+v\n%s", got.Status, got.BlueprintVersion, got.Summary, got.ErrorLog)
	}
	if got.Summary.Delete != 1 {
		t.Fatalf("rollback: %s %s %+v\n%s", got.Status, got.BlueprintVersion, got.Summary, got.ErrorLog)
	}
	if got.Summary.Update != 1 {
		t.Fatalf("rollback: %s %s %+v\n%s", got.Status, got.BlueprintVersion, got.Summary, got.ErrorLog)
	}
	for _, e := range h.logs(rb.ID) {
		if e.DeploymentType != release.DeploymentRollback {
			t.Fatalf("rollback log entry typed %s", e.DeploymentType)
		}
	}
	rs, err := h.store.ListResourceStatus(ctx, "shop", "terraform_data.web")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Fatalf("web after rollback: %+v", rs)
	}
	if rs[0].LiveArtifactURL != "registry.example.com/shop/web:1" {
		t.Fatalf("web after rollback: %+v", rs)
	}
	if rs[0].LiveBlueprintVersion != v1.BlueprintVersion {
		t.Fatalf("web after rollback: %+v", rs)
	}
	cache, err := h.store.ListResourceStatus(ctx, "shop", "terraform_data.cache")
	if err != nil {
		t.Fatal(err)
	}
	if len(cache) != 0 {
		t.Fatalf("deleted resource still listed: %+v", cache)
	}
}

// Sensitive values: marked sensitive by terraform, they reach neither the
// database nor the log.
func TestSensitiveVariableStaysSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.env("shop", config(t, map[string]string{"main.tf": `
variable "db_password" {
  type      = string
  sensitive = true
}
# not declared sensitive: terraform prints it, shiplog knows better
variable "api_key" {
  type = string
}
resource "terraform_data" "db" {
  input = { user = "app", password = var.db_password }
}
resource "terraform_data" "client" {
  input = { key = var.api_key, header = "Bearer ${var.api_key}" }
}
output "conn" {
  value     = "app:${var.db_password}@db"
  sensitive = true
}
`}), func(e *release.Environment) {
		e.Variables = []release.Variable{{Name: "db_password", Value: "s3cr3t-Pa55w0rd", Sensitive: true},
			{Name: "api_key", Value: "k3y-0f-the-api", Sensitive: true}}
	})
	r := h.release("shop", "terraform-apply")
	h.runOnce(h.worker())
	if got := h.get(r.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("%s\n%s", got.Status, got.ErrorLog)
	}
	var leaks int
	if err := h.store.Pool().QueryRow(ctx, `SELECT
		(SELECT count(*) FROM release_changes WHERE fields LIKE '%s3cr3t%') +
		(SELECT count(*) FROM release_log_chunks WHERE array_to_string(texts, ' ') LIKE '%s3cr3t%') +
		(SELECT count(*) FROM environments WHERE variables::text LIKE '%s3cr3t%') +
		(SELECT count(*) FROM releases WHERE error_log LIKE '%s3cr3t%')`).Scan(&leaks); err != nil {
		t.Fatal(err)
	}
	if leaks != 0 {
		t.Fatalf("the sensitive value reached the database %d times", leaks)
	}
	if err := h.store.Pool().QueryRow(ctx, `SELECT
		(SELECT count(*) FROM release_changes WHERE fields LIKE '%k3y-0f%') +
		(SELECT count(*) FROM release_log_chunks WHERE array_to_string(texts, ' ') LIKE '%k3y-0f%') +
		(SELECT count(*) FROM releases WHERE error_log LIKE '%k3y-0f%')`).Scan(&leaks); err != nil {
		t.Fatal(err)
	}
	if leaks != 0 {
		t.Fatalf("a value shiplog knows is sensitive, not declared so in the configuration, reached the database %d times", leaks)
	}
	if text := joinLogs(h.logs(r.ID)); !strings.Contains(text, "(sensitive value)") {
		t.Fatalf("terraform's print of the undeclared secret was not masked:\n%s", text)
	}
	changes, err := h.store.ListChanges(ctx, r.ID, store.ChangeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	masked := false
	for _, c := range changes {
		for _, f := range c.Fields {
			if c.Address == "terraform_data.db" && f.Path == "input.password" && f.Sensitive && f.After == nil {
				masked = true
			}
		}
	}
	if !masked {
		t.Fatalf("password field not masked: %+v", changes[0].Fields)
	}
}

// The database restarts while a phase writes its log: lines are held and
// written when it is back, none lost, none twice.
func TestDatabaseRestartDuringPhase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := clusterDir(t)
	c, err := pgcluster.Start(ctx, pgcluster.Config{Dir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Close(ctx) }()
	box, _ := secret.New(make([]byte, 32))
	s, err := store.Open(ctx, c.URL(""), store.Options{Migrate: true, Secrets: box})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := newHarness(t)
	h.store, h.url = s, c.URL("")
	h.cfg.Store, h.cfg.DatabaseURL = s, c.URL("")
	h.cfg.Lease = time.Minute // the restart must not cost the lease
	h.env("shop", config(t, map[string]string{"main.tf": `resource "terraform_data" "a" { input = 1 }`}))
	const lines = 300
	r := h.release("shop", "full-plan", func(r *release.Release) {
		r.Phases = append(r.Phases, release.Phase{Name: "emit", Action: release.ActionRun, Options: release.PhaseOptions{
			Command: "sh", Args: []string{"-c", fmt.Sprintf("i=1; while [ $i -le %d ]; do echo line-$i; i=$((i+1)); sleep 0.01; done", lines)}}})
	})
	w := h.worker()
	done := make(chan struct{})
	go func() { h.runOnce(w); close(done) }()
	testutil.Eventually(t, "the emit phase to start", 60*time.Second, func() bool {
		var n int
		if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM release_log_chunks, unnest(texts) t WHERE t LIKE 'line-%'`).Scan(&n); err != nil {
			t.Error(err)
		}
		return n > 0
	})
	// restart: stop the server (we are its only user) and start it again
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// The outage must last while the phase goes on printing (a line every
	// 10 ms, flushed every 100 ms), so that the log writer holds lines and
	// retries: nothing outside the writer announces that it has, so the
	// database stays down for a set time. A rate, not a wait for an event.
	time.Sleep(1500 * time.Millisecond)
	if c, err = pgcluster.Start(ctx, pgcluster.Config{Dir: dir, NoSync: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		t.Fatal("release did not finish after the database came back")
	}
	got := h.get(r.ID)
	if got.Status != release.StatusSucceeded {
		t.Fatalf("%s\n%s", got.Status, got.ErrorLog)
	}
	seen := map[string]int{}
	for i, e := range h.logs(r.ID) {
		if e.Seq != int64(i+1) {
			t.Fatalf("seq %d at position %d: a line was lost or repeated", e.Seq, i)
		}
		if strings.HasPrefix(e.Text, "line-") {
			seen[e.Text]++
		}
	}
	for i := 1; i <= lines; i++ {
		if n := seen[fmt.Sprintf("line-%d", i)]; n != 1 {
			t.Fatalf("line-%d written %d times", i, n)
		}
	}
}
