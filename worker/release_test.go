package worker_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

func quickstart(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", "quickstart", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	return config(t, map[string]string{"main.tf": string(b)})
}

// The main job: a terraform-apply release of the quickstart succeeds and
// leaves a complete record.
func TestApplyReleaseRecordsEverything(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.env("shop", quickstart(t))
	r := h.release("shop", "terraform-apply", func(r *release.Release) {
		r.Artifacts = []release.Artifact{{URI: "registry.example.com/shop/web:2.0.0", BuildID: "build-42", AppName: "web", StackName: "shop",
			DeploysTo: []string{"terraform_data.web"}}}
	})
	w := h.worker()
	h.runOnce(w)

	got := h.get(r.ID)
	if got.Status != release.StatusSucceeded {
		t.Fatalf("status %s, error log:\n%s", got.Status, got.ErrorLog)
	}
	if got.Type != release.TypeApply {
		t.Fatalf("release record: %+v", got)
	}
	if got.StartedAt == nil {
		t.Fatalf("release record: %+v", got)
	}
	if got.FinishedAt == nil {
		t.Fatalf("release record: %+v", got)
	}
	if got.DurationMS() == nil {
		t.Fatalf("release record: %+v", got)
	}
	if !strings.HasPrefix(got.BlueprintVersion, "sha256:") {
		t.Fatalf("blueprint version %q", got.BlueprintVersion)
	}
	for _, p := range got.Phases {
		if p.Status != release.PhaseSucceeded {
			t.Fatalf("phase %s: %+v", p.Name, p)
		}
		if p.StartedAt == nil {
			t.Fatalf("phase %s: %+v", p.Name, p)
		}
		if p.Duration == nil {
			t.Fatalf("phase %s: %+v", p.Name, p)
		}
	}
	if got.Summary.Create != 3 {
		t.Fatalf("summary %+v", got.Summary)
	}
	changes, err := h.store.ListChanges(ctx, r.ID, store.ChangeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 3 {
		t.Fatalf("changes: %v %d", err, len(changes))
	}
	var web *store.StoredChange
	for i := range changes {
		if changes[i].Address == "terraform_data.web" {
			web = &changes[i]
		}
	}
	if web == nil {
		t.Fatalf("no create of terraform_data.web in %+v", changes)
	}
	if web.Action != release.ChangeCreate {
		t.Fatalf("no create of terraform_data.web in %+v", changes)
	}
	foundImage := false
	for _, f := range web.Fields {
		if f.Path == "input.image" && f.After == "registry.example.com/shop/web:2.0.0" {
			foundImage = true // the artifact reached terraform as a variable
		}
	}
	if !foundImage {
		t.Fatalf("artifact did not reach terraform: %+v", web.Fields)
	}

	logs := h.logs(r.ID)
	phases := map[string]bool{}
	for i, e := range logs {
		if e.Seq != int64(i+1) {
			t.Fatalf("log seq %d at position %d", e.Seq, i)
		}
		phases[e.Phase] = true
		if e.DeploymentType != release.DeploymentRegular {
			t.Fatalf("log entry without deployment type: %+v", e)
		}
	}
	for _, p := range []string{"init", "plan", "apply"} {
		if !phases[p] {
			t.Fatalf("no log lines for phase %s", p)
		}
	}
	text := joinLogs(logs)
	if !strings.Contains(text, "Apply complete! Resources: 3 added") {
		t.Fatalf("apply output missing from the log:\n%s", text)
	}
	if strings.Contains(text, h.url) {
		t.Fatal("the database URL reached the log")
	}
	if strings.Contains(text, "shiplog_tmpl") {
		t.Fatal("the database URL reached the log")
	}

	rs, err := h.store.ListResourceStatus(ctx, "shop", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("resource status: %v %+v", err, rs)
	}
	for _, s := range rs {
		wantArtifact := "" // the artifact deploys to web only
		if s.Address == "terraform_data.web" {
			wantArtifact = "registry.example.com/shop/web:2.0.0"
		}
		if s.SyncStatus != release.InSync || s.ReleaseStatus != release.ResourceCompleted || s.HealthStatus != release.Unknown ||
			s.LiveArtifactURL != wantArtifact || s.LiveBlueprintVersion != got.BlueprintVersion {
			t.Fatalf("resource status %+v", s)
		}
	}
	deps, err := h.store.ListDeployments(ctx, "shop", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 {
		t.Fatalf("deployments %+v", deps)
	}
	if deps[0].ArtifactURI != "registry.example.com/shop/web:2.0.0" {
		t.Fatalf("deployments %+v", deps)
	}

	// The state lives in shiplog's database: a second release sees no changes.
	r2 := h.release("shop", "terraform-apply", func(r *release.Release) { r.Artifacts = got.Artifacts })
	h.runOnce(w)
	got2 := h.get(r2.ID)
	if got2.Status != release.StatusSucceeded {
		t.Fatalf("second release: %s %+v\n%s", got2.Status, got2.Summary, got2.ErrorLog)
	}
	if got2.Summary.Total() != 0 {
		t.Fatalf("second release: %s %+v\n%s", got2.Status, got2.Summary, got2.ErrorLog)
	}
	if got2.Summary.NoOp != 3 {
		t.Fatalf("second release: %s %+v\n%s", got2.Status, got2.Summary, got2.ErrorLog)
	}
}

func joinLogs(entries []release.LogEntry) string {
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.Text)
		b.WriteByte('\n')
	}
	return b.String()
}
