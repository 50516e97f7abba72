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
	url := dbtest.URL(t)
	db := []string{"--database-url", url, "--data-dir", t.TempDir()}
	env := map[string]string{"SHIPLOG_ENDPOINT": "", "SHIPLOG_TOKEN": "", "SHIPLOG_SECRET_KEY": ""}
	admin := strings.TrimSpace(mustRun(t, env, append([]string{"token", "create", "root", "--scope", "admin"}, db...)...))
	as := map[string]string{"SHIPLOG_ENDPOINT": startWorkerServer(t, db), "SHIPLOG_TOKEN": admin}
	main, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), main, 0o644); err != nil {
		t.Fatal(err)
	}
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
