package plan_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// terraformShown lists the resource addresses `terraform show PLANFILE`
// (the human rendering) reports, from its "# ADDRESS ..." headings.
func terraformShown(text []byte) []string {
	// "# A has moved to B" names the resource by its new address, B.
	re := regexp.MustCompile(`(?m)^\s*# (\S+) (?:has moved to (\S+)|will|must|is|\(deposed)`)
	var out []string
	for _, m := range re.FindAllSubmatch(text, -1) {
		if len(m[2]) > 0 {
			out = append(out, string(m[2]))
		} else {
			out = append(out, string(m[1]))
		}
	}
	slices.Sort(out)
	return out
}

// planDiffJSON runs `shiplog plan diff --json` on a plan JSON file.
func planDiffJSON(t *testing.T, file string) (changes []release.Change) {
	t.Helper()
	out, errOut, code := runCLI(t, "plan", "diff", "--json", file)
	if code != 0 {
		t.Fatalf("plan diff --json: exit %d: %s", code, errOut)
	}
	var d struct {
		Changes []release.Change `json:"changes"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	return d.Changes
}

// A move and a no-op import made by the real terraform are listed by
// default, exactly the resources `terraform show` reports.
func TestTerraformMovesAndImportsAreListed(t *testing.T) {
	t.Parallel()
	w := newWorkdir(t)
	w.write("main.tf", `
resource "terraform_data" "queue" { input = "q" }
resource "terraform_data" "steady" { input = "s" }
`)
	w.run(nil, "init", "-input=false")
	w.run(nil, "apply", "-auto-approve", "-input=false")
	w.write("main.tf", `
resource "terraform_data" "jobs" { input = "q" }
resource "terraform_data" "steady" { input = "s" }
moved {
  from = terraform_data.queue
  to   = terraform_data.jobs
}
import {
  to = terraform_data.imported
  id = "abc-123"
}
resource "terraform_data" "imported" {}
`)
	w.run(nil, "plan", "-input=false", "-out", "tfplan")
	planJSON := w.run(nil, "show", "-json", "tfplan")
	file := filepath.Join(w.dir, "plan.json")
	if err := os.WriteFile(file, planJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	changes := planDiffJSON(t, file)
	byAddr := map[string]release.Change{}
	var listed []string
	for _, c := range changes {
		byAddr[c.Address] = c
		listed = append(listed, c.Address)
	}
	slices.Sort(listed)
	if shown := terraformShown(w.run(nil, "show", "-no-color", "tfplan")); !slices.Equal(listed, shown) {
		t.Errorf("plan diff lists %v, terraform show reports %v", listed, shown)
	}
	jobs, ok := byAddr["terraform_data.jobs"]
	if !ok || jobs.Action != release.ChangeNoOp || jobs.PreviousAddress == nil || *jobs.PreviousAddress != "terraform_data.queue" {
		t.Errorf("the move: %+v", jobs)
	}
	imp, ok := byAddr["terraform_data.imported"]
	if !ok || imp.ImportID == nil || *imp.ImportID != "abc-123" {
		t.Errorf("the import: %+v", imp)
	}
	if _, ok := byAddr["terraform_data.steady"]; ok {
		t.Error("a plain no-op is listed by default")
	}
	table, _, _ := runCLI(t, "plan", "diff", file)
	for _, want := range []string{"moved from terraform_data.queue", `import id "abc-123"`, "1 to import, 1 moved"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "No changes.") {
		t.Errorf("the table says no changes:\n%s", table)
	}
}
