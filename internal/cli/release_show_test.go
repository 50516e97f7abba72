package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// `shiplog release show` of a release that ran a policy phase lists each
// policy's verdict and what it said, as the release page does.
func TestReleaseShowListsPolicyVerdicts(t *testing.T) {
	as := adminServer(t)
	dir := quickstartDir(t)
	mustRun(t, as, "env", "create", "shop", "--dir", dir)
	mustRun(t, as, "policy", "put", "creates", writeFile(t, "package shiplog.creates\n\nwarn contains sprintf(\"%d resources created\", [count(input.resource_changes)]) if count(input.resource_changes) > 0\n"))
	r := decode[release.Release](t, mustRun(t, as, "release", "create", "--env", "shop", "--template", "policy-apply", "--wait", "--interval", "100ms", "-o", "json"))
	if r.Status != release.StatusSucceeded {
		t.Fatalf("policy release %s\n%s", r.Status, r.ErrorLog)
	}
	out := mustRun(t, as, "release", "show", fmt.Sprint(r.ID), "-o", "table")
	for _, want := range []string{"POLICY", "creates", "warn", "resources created"} {
		if !strings.Contains(out, want) {
			t.Errorf("release show does not say %q:\n%s", want, out)
		}
	}
}

// A pipeline promotes from the command line: refused with the release to
// sign off, then, once signed off, `release promote --wait` runs it and
// exits 0 with the promotion, which ran staging's blueprint.
func TestPromoteFromTheCommandLine(t *testing.T) {
	as := adminServer(t)
	for name, body := range map[string]string{"staging": `resource "terraform_data" "web" { input = "staging" }`, "production": `resource "terraform_data" "own" { input = "production" }`} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		mustRun(t, as, "env", "create", name, "--dir", dir)
	}
	mustRun(t, as, "env", "update", "production", "--upstream", "staging", "--require-upstream-signoff")
	up := decode[release.Release](t, mustRun(t, as, "release", "create", "--env", "staging", "--wait", "--interval", "100ms", "-o", "json"))
	code, _, errOut := run(t, as, "release", "promote", fmt.Sprint(up.ID))
	if code != 1 || !strings.Contains(errOut, fmt.Sprintf("shiplog release signoff %d", up.ID)) {
		t.Fatalf("promote before sign-off: exit %d, %s; want 1 naming the release to sign off", code, errOut)
	}
	mustRun(t, as, "release", "signoff", fmt.Sprint(up.ID), "--status", "APPROVED")
	p := decode[release.Release](t, mustRun(t, as, "release", "promote", fmt.Sprint(up.ID), "--wait", "--interval", "100ms", "-o", "json"))
	if p.Status != release.StatusSucceeded || p.BlueprintVersion != up.BlueprintVersion || p.PromotedFrom == nil || *p.PromotedFrom != up.ID {
		t.Errorf("promotion %s, blueprint %s, from %v; want SUCCEEDED with %s from %d", p.Status, p.BlueprintVersion, p.PromotedFrom, up.BlueprintVersion, up.ID)
	}
}

// adminServer starts `shiplog server` with a worker on a database of the
// test's own and returns the environment of an admin's commands to it.
func adminServer(t *testing.T) map[string]string {
	t.Helper()
	db := []string{"--database-url", dbtest.URL(t), "--data-dir", t.TempDir()}
	env := map[string]string{"SHIPLOG_ENDPOINT": "", "SHIPLOG_TOKEN": "", "SHIPLOG_SECRET_KEY": ""}
	admin := strings.TrimSpace(mustRun(t, env, append([]string{"token", "create", "root", "--scope", "admin"}, db...)...))
	return map[string]string{"SHIPLOG_ENDPOINT": startWorkerServer(t, db), "SHIPLOG_TOKEN": admin}
}

// quickstartDir is a directory of the test's own holding
// examples/quickstart's configuration.
func quickstartDir(t *testing.T) string {
	t.Helper()
	main, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), main, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
