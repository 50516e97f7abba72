package cli_test

import (
	"archive/zip"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/cli"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

// apiServer is an API server over a fresh database with a token per scope
// set; as(name) is the environment that points the CLI at it as name.
func apiServer(t *testing.T) (as func(string) map[string]string) {
	t.Helper()
	as, _ = apiServerStore(t)
	return as
}

// apiServerStore is apiServer with its store, to check what the API
// cannot show.
func apiServerStore(t *testing.T) (as func(string) map[string]string, st *store.Store) {
	t.Helper()
	st = dbtest.Store(t)
	srv := testutil.NewAPI(t, st)
	tokens := srv.Tokens(t, map[string][]string{"ci": {"read", "write"}, "admin": {"admin"}})
	return func(token string) map[string]string {
		return map[string]string{"SHIPLOG_ENDPOINT": srv.URL, "SHIPLOG_TOKEN": tokens[token]}
	}, st
}

func TestTemplateCommands(t *testing.T) {
	as := apiServer(t)
	list := decode[apiwire.TemplateList](t, mustRun(t, as("ci"), "template", "list", "-o", "json"))
	names := map[string]release.Type{}
	for _, tp := range list.Templates {
		names[tp.Name] = tp.ReleaseType
	}
	if names["terraform-apply"] != release.TypeApply || names["full-plan"] != release.TypePlan {
		t.Fatalf("template list: %v, want terraform-apply APPLY and full-plan PLAN", names)
	}
	show := mustRun(t, as("ci"), "template", "show", "terraform-apply", "-o", "table")
	if !strings.Contains(show, "default/terraform-apply (APPLY)") || !strings.Contains(show, "apply") {
		t.Fatalf("template show:\n%s", show)
	}
	if code, _, errOut := run(t, as("ci"), "template", "show", "nope"); code != 1 || !strings.Contains(errOut, `template "nope" not found`) {
		t.Fatalf("template show of an unknown template: exit %d %s", code, errOut)
	}
}

func TestListCursors(t *testing.T) {
	as := apiServer(t)
	mustRun(t, as("admin"), "env", "create", "e", "--dir", t.TempDir())
	var ids []int64
	for range 3 {
		ids = append(ids, decode[release.Release](t, mustRun(t, as("ci"), "release", "create", "--env", "e", "--template", "full-plan")).ID)
	}
	first := decode[apiwire.ReleaseList](t, mustRun(t, as("ci"), "release", "list", "-n", "2", "-o", "json"))
	if len(first.Releases) != 2 || first.Releases[0].ID != ids[2] || first.NextCursor == "" {
		t.Fatalf("first page: %d releases, next %q", len(first.Releases), first.NextCursor)
	}
	second := decode[apiwire.ReleaseList](t, mustRun(t, as("ci"), "release", "list", "-n", "2", "-o", "json", "--cursor", first.NextCursor))
	if len(second.Releases) != 1 || second.Releases[0].ID != ids[0] || second.NextCursor != "" {
		t.Fatalf("second page: %+v, next %q", second.Releases, second.NextCursor)
	}
	_, _, errOut := run(t, as("ci"), "release", "list", "-n", "1", "-o", "table")
	if !strings.Contains(errOut, "more: --cursor ") {
		t.Fatalf("a table of the first page does not say how to go on:\n%s", errOut)
	}
	if code, _, errOut := run(t, as("ci"), "release", "list", "--cursor", "forged"); code != 1 || !strings.Contains(errOut, "cursor") {
		t.Fatalf("a forged cursor: exit %d %s", code, errOut)
	}
}

func TestErrorsNameTheFlag(t *testing.T) {
	as := apiServer(t)
	noToken := as("ci")
	noToken["SHIPLOG_TOKEN"] = ""
	if code, _, errOut := run(t, noToken, "release", "list"); code != 1 || !strings.Contains(errOut, "--token or set SHIPLOG_TOKEN") {
		t.Fatalf("no token: exit %d %s", code, errOut)
	}
	bad := as("ci")
	bad["SHIPLOG_TOKEN"] = "shp_wrong"
	if code, _, errOut := run(t, bad, "release", "list"); code != 1 || !strings.Contains(errOut, "check --token or SHIPLOG_TOKEN") {
		t.Fatalf("a refused token: exit %d %s", code, errOut)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	down := map[string]string{"SHIPLOG_ENDPOINT": closed, "SHIPLOG_TOKEN": "shp_x"}
	if code, _, errOut := run(t, down, "release", "list"); code != 1 || !strings.Contains(errOut, "Set --endpoint or SHIPLOG_ENDPOINT") {
		t.Fatalf("no server: exit %d %s", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	if v := cli.Version("1.4.2"); v != "1.4.2" {
		t.Fatalf("Version(1.4.2) = %q", v)
	}
	if v := cli.Version("dev"); v == "" {
		t.Fatal("Version(dev) is empty")
	}
	var out strings.Builder
	if code := cli.Main(context.Background(), "1.4.2", []string{"--version"}, &out, &out); code != 0 || strings.TrimSpace(out.String()) != "1.4.2" {
		t.Fatalf("--version: exit %d %q", code, out.String())
	}
}

func TestPlanDiffOutput(t *testing.T) {
	env := map[string]string{}
	plan := writeFile(t, planJSON)
	asJSON := mustRun(t, env, "plan", "diff", plan, "-o", "json")
	if alias := mustRun(t, env, "plan", "diff", plan, "--json"); alias != asJSON {
		t.Fatalf("--json and -o json differ:\n%s\n---\n%s", alias, asJSON)
	}
	if !strings.Contains(asJSON, `"terraform_data.web"`) {
		t.Fatalf("-o json:\n%s", asJSON)
	}
	if table := mustRun(t, env, "plan", "diff", plan); !strings.Contains(table, "terraform_data.web") || strings.HasPrefix(strings.TrimSpace(table), "{") {
		t.Fatalf("table:\n%s", table)
	}
	// a binary plan file (a zip, as terraform plan -out writes it)
	bin := filepath.Join(t.TempDir(), "tfplan")
	f, err := os.Create(bin)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create("tfplan")
	fmt.Fprint(w, "binary")
	zw.Close()
	f.Close()
	code, out, errOut := run(t, env, "plan", "diff", bin)
	if code != 1 || out != "" || !strings.Contains(errOut, "binary plan file") || !strings.Contains(errOut, "terraform show -json") {
		t.Fatalf("plan diff of a binary plan: exit %d\n%s%s", code, out, errOut)
	}
}

// `plan diff --detailed-exitcode` exits as `terraform plan -detailed-exitcode`
// does, on plans the real terraform made: 2 with changes, 0 without, 1 for
// a plan it could not complete.
func TestPlanDiffDetailedExitCode(t *testing.T) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal("terraform is not on PATH: run the tests through `make test`, which provides it")
	}
	dir := t.TempDir()
	terraform := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(tf, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	write := func(body string) {
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// planFile makes a plan of the configuration, as JSON, and also returns
	// terraform's own -detailed-exitcode for it.
	planFile := func() (string, int) {
		t.Helper()
		cmd := exec.Command(tf, "plan", "-out=tfplan", "-input=false", "-no-color", "-detailed-exitcode")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("terraform plan: %v\n%s", err, out)
		}
		return writeFile(t, terraform("show", "-json", "tfplan")), code
	}
	write(`resource "terraform_data" "web" {
  input = "web:1"
}`)
	terraform("init", "-input=false", "-no-color")

	changes, tfCode := planFile()
	if code, out, errOut := run(t, nil, "plan", "diff", changes, "--detailed-exitcode"); code != cli.ExitPlanChanges || code != tfCode {
		t.Fatalf("plan with changes: exit %d, want %d (terraform: %d)\n%s%s", code, cli.ExitPlanChanges, tfCode, out, errOut)
	}
	if code, _, _ := run(t, nil, "plan", "diff", changes); code != 0 {
		t.Fatalf("plan with changes without --detailed-exitcode: exit %d, want 0", code)
	}
	terraform("apply", "-input=false", "-no-color", "tfplan")

	none, tfCode := planFile()
	if code, out, errOut := run(t, nil, "plan", "diff", none, "--detailed-exitcode", "-o", "json"); code != cli.ExitPlanNoChanges || code != tfCode {
		t.Fatalf("plan without changes: exit %d, want %d (terraform: %d)\n%s%s", code, cli.ExitPlanNoChanges, tfCode, out, errOut)
	}

	errored := writeFile(t, `{"format_version":"1.2","terraform_version":"1.11.4","errored":true,"resource_changes":[]}`)
	if code, out, errOut := run(t, nil, "plan", "diff", errored, "--detailed-exitcode"); code != cli.ExitPlanError || !strings.Contains(errOut, "the plan errored") {
		t.Fatalf("errored plan: exit %d, want %d\n%s%s", code, cli.ExitPlanError, out, errOut)
	}
}
