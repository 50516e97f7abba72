package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// statusRows is an environment's resource status without the times, for
// comparing before and after.
func statusRows(t *testing.T, h *harness, env string) string {
	t.Helper()
	rs, err := h.store.ListResourceStatus(context.Background(), env, "")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s %s/%s %s/%s %s %s %s last=%d\n", r.Address, r.CurrentBlueprintVersion, r.LiveBlueprintVersion,
			r.CurrentArtifactURL, r.LiveArtifactURL, r.SyncStatus, r.ReleaseStatus, r.HealthStatus, r.LastReleaseID)
	}
	return b.String()
}

// A release parked for approval marks what it will change QUEUED; once it
// is rejected (or aborted) every resource is as it was before, through
// any later release that does not touch it.
func TestRejectedOrAbortedReleaseLeavesResourceStatusClean(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	dir := quickstart(t)
	h.env("shop", dir, func(e *release.Environment) { e.ApprovalRequired = true })
	w := h.worker()
	r1 := h.release("shop", "terraform-apply", func(r *release.Release) {
		r.Artifacts = []release.Artifact{{URI: "registry.example.com/shop/web:1", DeploysTo: []string{"terraform_data.web"}}}
	})
	h.runOnce(w)
	approve(t, h, r1.ID, "dana")
	h.runOnce(w)
	if got := h.get(r1.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("first release: %s\n%s", got.Status, got.ErrorLog)
	}
	clean := statusRows(t, h, "shop")
	if strings.Count(clean, "IN_SYNC COMPLETED") != 3 {
		t.Fatalf("after the first apply:\n%s", clean)
	}

	// A second release changes web and adds a cache, and waits for approval.
	writeFile(t, dir, "extra.tf", `resource "terraform_data" "cache" { input = "redis" }`)
	park := func() *release.Release {
		t.Helper()
		r := h.release("shop", "terraform-apply", func(r *release.Release) {
			r.Variables = []release.Variable{{Name: "replicas", Value: "5"}}
			r.Artifacts = []release.Artifact{{URI: "registry.example.com/shop/web:2", DeploysTo: []string{"terraform_data.web"}}}
		})
		h.runOnce(w)
		if got := h.get(r.ID); got.Status != release.StatusPendingApproval {
			t.Fatalf("release %d: %s, want PENDING_APPROVAL\n%s", r.ID, got.Status, got.ErrorLog)
		}
		parked := statusRows(t, h, "shop")
		if strings.Count(parked, "QUEUED") != 2 || !strings.Contains(parked, "terraform_data.cache") {
			t.Fatalf("while parked, web and cache should be QUEUED:\n%s", parked)
		}
		return r
	}

	r2 := park()
	if err := h.store.Reject(ctx, r2.ID, "erin", "not today"); err != nil {
		t.Fatal(err)
	}
	if got := statusRows(t, h, "shop"); got != clean {
		t.Fatalf("after reject:\n%s\nwant as before:\n%s", got, clean)
	}

	r3 := park()
	if _, err := h.store.RequestAbort(ctx, r3.ID, "erin", "wrong window"); err != nil {
		t.Fatal(err)
	}
	if got := statusRows(t, h, "shop"); got != clean {
		t.Fatalf("after abort:\n%s\nwant as before:\n%s", got, clean)
	}

	// Another release that touches nothing leaves it so.
	writeFile(t, dir, "extra.tf", `# nothing more`)
	r4 := h.release("shop", "full-plan")
	h.runOnce(w)
	if got := h.get(r4.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("plan release: %s\n%s", got.Status, got.ErrorLog)
	}
	if got := statusRows(t, h, "shop"); got != clean {
		t.Fatalf("after a later release:\n%s\nwant as before:\n%s", got, clean)
	}
}

// An artifact's URL goes to the resources it names, and to no other.
func TestArtifactURLOnlyOnLinkedResources(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.env("shop", quickstart(t))
	r := h.release("shop", "terraform-apply", func(r *release.Release) {
		r.Artifacts = []release.Artifact{
			{URI: "registry.example.com/shop/db-migrations:7", DeploysTo: []string{"terraform_data.database"}},
			{URI: "registry.example.com/shop/web:2.0.0", DeploysTo: []string{"terraform_data.web"}},
		}
	})
	h.runOnce(h.worker())
	if got := h.get(r.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("release: %s\n%s", got.Status, got.ErrorLog)
	}
	want := map[string]string{
		"terraform_data.database": "registry.example.com/shop/db-migrations:7",
		"terraform_data.web":      "registry.example.com/shop/web:2.0.0",
		"terraform_data.network":  "",
	}
	rs, err := h.store.ListResourceStatus(ctx, "shop", "")
	if err != nil || len(rs) != 3 {
		t.Fatalf("resource status: %v %+v", err, rs)
	}
	for _, s := range rs {
		if s.LiveArtifactURL != want[s.Address] || s.CurrentArtifactURL != want[s.Address] {
			t.Errorf("%s: artifact %q/%q, want %q", s.Address, s.CurrentArtifactURL, s.LiveArtifactURL, want[s.Address])
		}
	}
}

// After a successful apply, the changes carry the values the apply wrote
// (what the plan knew only after apply, resolved) next to the planned ones,
// and the environment's outputs are recorded, sensitive ones without value.
//
// With shiplog as the backend the values are read from the state the
// apply pushed (no terraform command); with the configuration's own
// backend, from `terraform show -json`. Both record the same.
func TestAppliedValuesAndOutputsAfterApply(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		backend string // extra configuration
		from    string // the apply log says where the values came from
	}{
		"shiplog's backend": {from: "applied values recorded from the state pushed to shiplog"},
		"its own backend": {
			backend: "terraform {\n  backend \"local\" {}\n}\n",
			from:    "applied values recorded from terraform show -json",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testAppliedValuesAndOutputs(t, tc.backend, tc.from)
		})
	}
}

func testAppliedValuesAndOutputs(t *testing.T, backend, from string) {
	ctx := context.Background()
	h := newHarness(t)
	dir := quickstart(t)
	if backend != "" {
		writeFile(t, dir, "backend.tf", backend)
	}
	writeFile(t, dir, "outputs.tf", `
output "db_password" {
  value     = "correct-horse-battery"
  sensitive = true
}
output "replicas" {
  value = terraform_data.web.output.replicas
}`)
	h.env("shop", dir)
	r := h.release("shop", "terraform-apply")
	h.runOnce(h.worker())
	if got := h.get(r.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("release: %s\n%s", got.Status, got.ErrorLog)
	}
	changes, err := h.store.ListChanges(ctx, r.ID, store.ChangeFilter{})
	if err != nil || len(changes) != 3 {
		t.Fatalf("changes: %v %d", err, len(changes))
	}
	for _, c := range changes {
		if !c.Applied {
			t.Errorf("%s: not marked applied", c.Address)
		}
		byPath := map[string]release.Field{}
		for _, f := range c.Fields {
			byPath[f.Path] = f
		}
		id, ok := byPath["id"]
		if !ok || !id.Unknown || id.After != nil {
			t.Errorf("%s: the planned id should stay unknown: %+v", c.Address, id)
		}
		if s, ok := id.Applied.(string); !ok || len(s) < 8 {
			t.Errorf("%s: applied id %#v, want the id terraform gave", c.Address, id.Applied)
		}
		if c.Address == "terraform_data.web" {
			if f := byPath["input.replicas"]; fmt.Sprint(f.After) != "2" || fmt.Sprint(f.Applied) != "2" {
				t.Errorf("web input.replicas: planned %v applied %v, want 2 and 2", f.After, f.Applied)
			}
			out, ok := byPath["output"]
			if !ok || !out.Unknown {
				t.Fatalf("web output: %+v", out)
			}
			m, ok := out.Applied.(map[string]any)
			if !ok || m["image"] != "registry.example.com/shop/web:1.0.0" {
				t.Errorf("web output applied %#v, want the object terraform wrote", out.Applied)
			}
		}
	}
	outs, err := h.store.ListOutputs(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(outs)
	if strings.Contains(string(b), "correct-horse-battery") {
		t.Fatalf("a sensitive output's value was stored: %s", b)
	}
	got := map[string]release.Output{}
	for _, o := range outs {
		got[o.Name] = o
		if o.ReleaseID != r.ID {
			t.Errorf("output %s: release %d, want %d", o.Name, o.ReleaseID, r.ID)
		}
	}
	if len(outs) != 3 {
		t.Fatalf("outputs: %s", b)
	}
	if o := got["web_image"]; o.Value != "registry.example.com/shop/web:1.0.0" || o.Type != "string" || o.Sensitive {
		t.Errorf("web_image: %+v", o)
	}
	if o := got["replicas"]; fmt.Sprint(o.Value) != "2" || o.Type != "number" {
		t.Errorf("replicas: %+v", o)
	}
	if o := got["db_password"]; !o.Sensitive || o.Value != nil {
		t.Errorf("db_password: %+v", o)
	}
	said := false
	for _, l := range h.logs(r.ID) {
		said = said || strings.Contains(l.Text, from)
	}
	if !said {
		t.Errorf("the apply log does not say %q", from)
	}
}
