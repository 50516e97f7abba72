package plan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/cli"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// workdir is a Terraform working directory in a test's temporary
// directory, run offline: only the built-in terraform_data resource.
type workdir struct {
	t   *testing.T
	bin string
	dir string
	env []string
}

func newWorkdir(t *testing.T) *workdir {
	t.Helper()
	bin, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("these tests need the terraform binary on PATH (/usr/local/bin/terraform): %v", err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "empty.tfrc")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_") {
			env = append(env, kv)
		}
	}
	env = append(env, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0", "TF_CLI_CONFIG_FILE="+cfg)
	return &workdir{t: t, bin: bin, dir: dir, env: env}
}

func (w *workdir) write(name, text string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte(text), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// run runs terraform with extra environment variables and returns its
// standard output.
func (w *workdir) run(env []string, args ...string) []byte {
	w.t.Helper()
	cmd := exec.Command(w.bin, args...)
	cmd.Dir = w.dir
	cmd.Env = append(w.env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		w.t.Fatalf("terraform %s: %v\n%s%s", strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

// runCLI runs shiplog in-process.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = cli.Main(context.Background(), "test", args, &o, &e)
	return o.String(), e.String(), code
}

const (
	oldSecret = "hunter2-old-S3cret"
	newSecret = "hunter2-new-S3cret"
)

// Version 1 of the configuration, applied first.
const configV1 = `
variable "password" {
  type      = string
  sensitive = true
}
resource "terraform_data" "nested" {
  input = {
    labels   = { team = "a", "kubernetes.io/name" = "web" }
    ports    = [80, 443]
    spec     = [{ container = [{ image = "nginx:1", name = "web" }] }]
    replicas = 1
    tags     = []
  }
}
resource "terraform_data" "gone" {
  input = "bye"
}
resource "terraform_data" "replaced" {
  input            = "same"
  triggers_replace = ["v1"]
}
resource "terraform_data" "old_name" {
  input = "moved"
}
resource "terraform_data" "secret" {
  input = { user = "admin", password = var.password }
}
resource "terraform_data" "steady" {
  input = "no change"
}
output "greeting" {
  value = "hello"
}
output "secret_out" {
  value     = var.password
  sensitive = true
}
`

// Version 2, planned against version 1's state: nested fields updated, a
// resource deleted, one replaced through triggers_replace, one moved (and
// changed), two created of which one takes the other's id (unknown until
// apply), a sensitive variable changed, outputs changed.
const configV2 = `
variable "password" {
  type      = string
  sensitive = true
}
resource "terraform_data" "nested" {
  input = {
    labels   = { team = "b", "kubernetes.io/name" = "web" }
    ports    = [80, 8443]
    spec     = [{ container = [{ image = "nginx:2", name = "web" }] }]
    replicas = 1
    tags     = null
  }
}
resource "terraform_data" "replaced" {
  input            = "same"
  triggers_replace = ["v2"]
}
moved {
  from = terraform_data.old_name
  to   = terraform_data.new_name
}
resource "terraform_data" "new_name" {
  input = "moved-and-changed"
}
resource "terraform_data" "created" {
  input = "new"
}
resource "terraform_data" "later" {
  input = terraform_data.created.id
}
resource "terraform_data" "secret" {
  input = { user = "admin", password = var.password }
}
resource "terraform_data" "steady" {
  input = "no change"
}
output "greeting" {
  value = "hello, world"
}
output "secret_out" {
  value     = var.password
  sensitive = true
}
`

func TestTerraformPlan(t *testing.T) {
	t.Parallel()
	w := newWorkdir(t)
	w.write("main.tf", configV1)
	w.run(nil, "init", "-input=false", "-no-color")
	w.run([]string{"TF_VAR_password=" + oldSecret}, "apply", "-auto-approve", "-input=false", "-no-color")
	w.write("main.tf", configV2)
	w.run([]string{"TF_VAR_password=" + newSecret}, "plan", "-input=false", "-no-color", "-out=tfplan")
	planJSON := w.run(nil, "show", "-json", "tfplan")
	planFile := filepath.Join(w.dir, "plan.json")
	if err := os.WriteFile(planFile, planJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(planJSON, []byte(newSecret)) {
		t.Fatal("the plan JSON does not hold the secrets: the masking checks below would prove nothing")
	}
	if !bytes.Contains(planJSON, []byte(oldSecret)) {
		t.Fatal("the plan JSON does not hold the secrets: the masking checks below would prove nothing")
	}

	res, err := plan.Read(bytes.NewReader(planJSON))
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.FormatVersion == "" || !strings.HasPrefix(res.Header.TerraformVersion, "1.") {
		t.Errorf("header %+v", res.Header)
	}
	want := release.Summary{Create: 2, Update: 3, Delete: 1, Replace: 1, NoOp: 1, Move: 1}
	if res.Summary != want {
		t.Errorf("summary %+v, want %+v", res.Summary, want)
	}

	byAddr := map[string]release.Change{}
	for _, c := range res.Changes {
		byAddr[c.Address] = c
		if c.Kind != release.KindResource || c.Mode != "managed" || c.Type != "terraform_data" || c.Provider != "terraform.io/builtin/terraform" {
			t.Errorf("%s: %+v", c.Address, c)
		}
	}
	u := func(path string, before any) release.Field { // known after apply
		return release.Field{Path: path, Before: before, Unknown: true, Changed: true}
	}
	v := func(path string, before, after any) release.Field {
		return release.Field{Path: path, Before: before, After: after, Changed: true}
	}
	num := func(s string) json.Number { return json.Number(s) }
	// ids are random: take them from the plan.
	id := func(addr string) any {
		for _, f := range byAddr[addr].Fields {
			if f.Path == "id" {
				if s, ok := f.Before.(string); ok && len(s) == 36 {
					return s
				}
			}
		}
		t.Errorf("%s: no id", addr)
		return nil
	}

	for _, tc := range []struct {
		addr    string
		action  release.ChangeAction
		order   release.ReplaceOrder
		reason  string
		prev    string
		replace string
		fields  []release.Field
	}{
		{addr: "terraform_data.created", action: release.ChangeCreate,
			fields: []release.Field{u("id", nil), v("input", nil, "new"), u("output", nil)}},
		{addr: "terraform_data.gone", action: release.ChangeDelete, reason: "delete_because_no_resource_config",
			fields: []release.Field{v("id", id("terraform_data.gone"), nil), v("input", "bye", nil), v("output", "bye", nil)}},
		{addr: "terraform_data.later", action: release.ChangeCreate,
			fields: []release.Field{u("id", nil), u("input", nil), u("output", nil)}},
		{addr: "terraform_data.nested", action: release.ChangeUpdate, fields: []release.Field{
			v("input.labels.team", "a", "b"),
			v("input.ports[1]", num("443"), num("8443")),
			v("input.spec[0].container[0].image", "nginx:1", "nginx:2"),
			v("input.tags", []any{}, nil),
			// A known object that becomes wholly unknown is one field,
			// as Terraform shows it (kind 7 of issue 12).
			u("output", map[string]any{
				"labels":   map[string]any{"kubernetes.io/name": "web", "team": "a"},
				"ports":    []any{num("80"), num("443")},
				"replicas": num("1"),
				"spec":     []any{map[string]any{"container": []any{map[string]any{"image": "nginx:1", "name": "web"}}}},
				"tags":     []any{},
			}),
		}},
		{addr: "terraform_data.new_name", action: release.ChangeUpdate, prev: "terraform_data.old_name",
			fields: []release.Field{v("input", "moved", "moved-and-changed"), u("output", "moved")}},
		{addr: "terraform_data.replaced", action: release.ChangeReplace, order: release.DeleteThenCreate,
			reason: "replace_because_cannot_update", replace: `[["triggers_replace"]]`,
			fields: []release.Field{u("id", id("terraform_data.replaced")), u("output", "same"), v("triggers_replace[0]", "v1", "v2")}},
		{addr: "terraform_data.secret", action: release.ChangeUpdate, fields: []release.Field{
			{Path: "input.password", Sensitive: true, Changed: true},
			// Terraform does not mark output, a copy of input: it becomes
			// wholly unknown, and its earlier value, which holds the
			// password's text, is masked whole.
			{Path: "output", Sensitive: true, Unknown: true, Changed: true},
		}},
		{addr: "terraform_data.steady", action: release.ChangeNoOp, fields: []release.Field{}},
	} {
		c, ok := byAddr[tc.addr]
		if !ok {
			t.Errorf("%s: not in the plan", tc.addr)
			continue
		}
		if c.Action != tc.action || c.ReplaceOrder != tc.order || c.Modification != release.ModificationOf(tc.action) {
			t.Errorf("%s: action %s %s %s", tc.addr, c.Action, c.ReplaceOrder, c.Modification)
		}
		if got := deref(c.ActionReason); got != tc.reason {
			t.Errorf("%s: action reason %q, want %q", tc.addr, got, tc.reason)
		}
		if got := deref(c.PreviousAddress); got != tc.prev {
			t.Errorf("%s: previous address %q, want %q", tc.addr, got, tc.prev)
		}
		if got := jsonOf(c.ReplacePaths); tc.replace != "" && got != tc.replace || tc.replace == "" && c.ReplacePaths != nil {
			t.Errorf("%s: replace paths %s", tc.addr, got)
		}
		if !reflect.DeepEqual(c.Fields, tc.fields) {
			t.Errorf("%s fields:\n got %s\nwant %s", tc.addr, jsonOf(c.Fields), jsonOf(tc.fields))
		}
	}
	if len(byAddr) != 8 {
		t.Errorf("%d resource changes, want 8", len(byAddr))
	}

	outputs := map[string][]release.Field{}
	for _, c := range res.OutputChanges {
		if c.Kind != release.KindOutput || c.Action != release.ChangeUpdate {
			t.Errorf("output %s: %+v", c.Address, c)
		}
		outputs[c.Address] = c.Fields
	}
	wantOutputs := map[string][]release.Field{
		"output.greeting":   {v("", "hello", "hello, world")},
		"output.secret_out": {{Sensitive: true, Changed: true}},
	}
	if !reflect.DeepEqual(outputs, wantOutputs) {
		t.Errorf("outputs %s, want %s", jsonOf(outputs), jsonOf(wantOutputs))
	}
	if len(res.Drift) != 0 {
		t.Errorf("drift: %s", jsonOf(res.Drift))
	}

	t.Run("json", func(t *testing.T) {
		out, errOut, code := runCLI(t, "plan", "diff", "--json", planFile)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		noSecrets(t, out+errOut)
		var doc map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		for _, k := range []string{"format_version", "terraform_version", "summary", "changes", "output_changes", "drift"} {
			if _, ok := doc[k]; !ok {
				t.Errorf("no %q in %s", k, out)
			}
		}
		var summary map[string]int
		if err := json.Unmarshal(doc["summary"], &summary); err != nil {
			t.Error(err)
		}
		wantSummary := map[string]int{"create": 2, "update": 3, "delete": 1, "replace": 1, "read": 0, "no_op": 1, "forget": 0, "import": 0, "move": 1}
		if !reflect.DeepEqual(summary, wantSummary) {
			t.Errorf("summary %v", summary)
		}
		var changes []map[string]any
		dec := json.NewDecoder(bytes.NewReader(doc["changes"]))
		dec.UseNumber()
		if err := dec.Decode(&changes); err != nil {
			t.Fatal(err)
		}
		if len(changes) != 7 {
			t.Errorf("%d changes listed, want 7 (no-op ones left out)", len(changes))
		}
		for _, c := range changes {
			for _, k := range []string{"address", "previous_address", "module_address", "mode", "type", "name", "index", "provider", "action", "modification", "action_reason", "import_id", "fields"} {
				if _, ok := c[k]; !ok {
					t.Errorf("%v has no %q", c["address"], k)
				}
			}
			if c["address"] == "terraform_data.nested" {
				f := c["fields"].([]any)[1].(map[string]any)
				if f["path"] != "input.ports[1]" || f["before"] != json.Number("443") || f["after"] != json.Number("8443") || f["unknown"] != false || f["sensitive"] != false {
					t.Errorf("field %v", f)
				}
			}
		}
		out, _, _ = runCLI(t, "plan", "diff", "--json", "--all", planFile)
		if !strings.Contains(out, "terraform_data.steady") {
			t.Errorf("--all does not list the no-op change")
		}
	})

	t.Run("table", func(t *testing.T) {
		out, errOut, code := runCLI(t, "plan", "diff", planFile)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		t.Logf("\n%s", out)
		noSecrets(t, out+errOut)
		if !regexp.MustCompile(`(?m)^ +input\.spec\[0\]\.container\[0\]\.image +"nginx:1" → "nginx:2"$`).MatchString(out) {
			t.Errorf("the table does not show the nested field's change")
		}
		for _, s := range []string{
			"terraform_data.nested",
			"moved from terraform_data.old_name", "replaced because of triggers_replace",
			"(sensitive value)", "(known after apply)", `(value)  "hello" → "hello, world"`,
			"Plan: 2 to create, 3 to update, 1 to delete, 1 to replace",
		} {
			if !strings.Contains(out, s) {
				t.Errorf("the table does not show %q", s)
			}
		}
		if strings.Contains(out, "\x1b[") || strings.Contains(out, "terraform_data.steady") {
			t.Errorf("colour or no-op change in the table:\n%s", out)
		}
		out, _, _ = runCLI(t, "plan", "diff", "--color=always", planFile)
		if !strings.Contains(out, "\x1b[") {
			t.Errorf("--color=always: no colour")
		}
		noSecrets(t, out)
	})
}

func noSecrets(t *testing.T, out string) {
	t.Helper()
	for _, s := range []string{oldSecret, newSecret, "hunter2"} {
		if strings.Contains(out, s) {
			t.Errorf("the output shows the secret %q:\n%s", s, out)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("(cannot encode %T: %v)", v, err)
	}
	return string(b)
}
