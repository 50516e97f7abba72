package web

import (
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// tfOutput is how terraform prints a failed apply (stdout and stderr as
// the worker stores them, one line each).
const tfOutput = `terraform_data.migrate: Creating...
terraform_data.migrate: Provisioning with 'local-exec'...
terraform_data.migrate (local-exec): ERROR:  relation "orders" does not exist
terraform_data.migrate (local-exec): HINT:  Perhaps you meant to reference the table "order".
╷
│ Error: local-exec provisioner error
│ 
│   with terraform_data.migrate,
│   on main.tf line 8, in resource "terraform_data" "migrate":
│    8:   provisioner "local-exec" {
│ 
│ Error running command 'psql -f m.sql': exit status 3. Output: ERROR: 
│ relation "orders" does not exist
│ HINT:  Perhaps you meant to reference the table "order".
╵
╷
│ Warning: Deprecated attribute
│ 
│ The attribute "x" is deprecated.
╵`

func numberedLines(text string) []numbered {
	var out []numbered
	for i, l := range strings.Split(text, "\n") {
		out = append(out, numbered{release.LogEntry{Text: l, Stream: release.Stdout, Phase: "apply"}, int64(i + 1)})
	}
	return out
}

func TestCauseReadsTerraformDiagnostics(t *testing.T) {
	r := &release.Release{Status: release.StatusFailed, ErrorLog: "phase apply (apply) failed: Error: local-exec provisioner error"}
	c := causeOf(r, numberedLines(tfOutput))
	if len(c.Diagnostics) != 2 {
		t.Fatalf("want 2 diagnostics, got %+v", c.Diagnostics)
	}
	d := c.Diagnostics[0]
	if d.Severity != "Error" || d.Summary != "local-exec provisioner error" || d.Resource != "terraform_data.migrate" ||
		d.Where != `main.tf line 8, in resource "terraform_data" "migrate"` || len(d.Source) != 1 || !strings.Contains(d.Source[0], `8:   provisioner "local-exec" {`) {
		t.Errorf("the error reads %+v", d)
	}
	if len(d.Detail) != 1 || d.Detail[0] != "Error running command 'psql -f m.sql': exit status 3. Its output ends as shown below." {
		t.Errorf("the detail %q: want the output it repeats cut", d.Detail)
	}
	if w := c.Diagnostics[1]; w.Severity != "Warning" || w.Summary != "Deprecated attribute" || strings.Join(w.Detail, "|") != `The attribute "x" is deprecated.` {
		t.Errorf("the warning reads %+v", w)
	}
	var out []string
	for _, e := range c.Output {
		out = append(out, e.Text)
	}
	if len(out) != 4 || !strings.HasSuffix(out[3], `HINT:  Perhaps you meant to reference the table "order".`) {
		t.Errorf("the output lines %q: want the 4 before the diagnostics, HINT last", out)
	}
}

// TestCauseWithTheBoxStartCutOff: a diagnostic whose start lies before the
// lines read is not shown as output; the error log's diagnostics stand in.
func TestCauseWithTheBoxStartCutOff(t *testing.T) {
	lines := strings.Split(tfOutput, "\n")
	r := &release.Release{Status: release.StatusFailed,
		ErrorLog: "phase apply (apply) failed: Error: local-exec provisioner error\n\n  with terraform_data.migrate,\n  on main.tf line 8:"}
	c := causeOf(r, numberedLines(strings.Join(lines[8:], "\n")))
	for _, e := range c.Output {
		if strings.HasPrefix(e.Text, "│") || strings.HasPrefix(e.Text, "╵") {
			t.Errorf("a diagnostic's line shows as output: %q", e.Text)
		}
	}
	if len(c.Diagnostics) != 2 || c.Diagnostics[0].Summary != "local-exec provisioner error" || c.Diagnostics[0].Resource != "terraform_data.migrate" ||
		c.Diagnostics[1].Summary != "Deprecated attribute" {
		t.Errorf("want the error log's error first, then the warning read, got %+v", c.Diagnostics)
	}
}
