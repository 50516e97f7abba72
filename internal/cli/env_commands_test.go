package cli_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// envWithSettings is a server with environment "e": a plain and a
// sensitive variable and an apply timeout.
func envWithSettings(t *testing.T) (as func(string) map[string]string, st *store.Store) {
	t.Helper()
	as, st = apiServerStore(t)
	mustRun(t, as("admin"), "env", "create", "e", "--dir", t.TempDir(), "--var", "region=eu",
		"--sensitive-var", "pw=s3cret", "--phase-timeout", "apply=45m")
	return as, st
}

func variable(e apiwire.Environment, name string) (release.Variable, bool) {
	for _, v := range e.Variables {
		if v.Name == name {
			return v, true
		}
	}
	return release.Variable{}, false
}

func TestEnvUpdate(t *testing.T) {
	t.Run("changes only what is given", func(t *testing.T) {
		as, st := envWithSettings(t)
		e := decode[apiwire.Environment](t, mustRun(t, as("admin"), "env", "update", "e", "--var", "region=us", "--approval-required", "-o", "json"))
		if v, _ := variable(e, "region"); v.Value != "us" {
			t.Fatalf("region %+v, want us", v)
		}
		if v, ok := variable(e, "pw"); !ok || !v.Sensitive {
			t.Fatalf("pw %+v (present %v), want it kept sensitive", v, ok)
		}
		if !e.ApprovalRequired {
			t.Fatal("approval_required not set")
		}
		if e.PhaseTimeouts["apply"] != "45m0s" {
			t.Fatalf("phase timeouts %v, want apply 45m0s kept", e.PhaseTimeouts)
		}
		if e.DefaultTemplate != "terraform-apply" {
			t.Fatalf("default template %q, want terraform-apply kept", e.DefaultTemplate)
		}
		run, err := st.EnvironmentForRun(context.Background(), "e")
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range run.Variables {
			if v.Name == "pw" && v.Value != "s3cret" {
				t.Fatalf("sensitive pw is %q after the update, want it kept", v.Value)
			}
		}
	})
	t.Run("unset and negate", func(t *testing.T) {
		as, _ := envWithSettings(t)
		mustRun(t, as("admin"), "env", "update", "e", "--approval-required")
		e := decode[apiwire.Environment](t, mustRun(t, as("admin"), "env", "update", "e", "--unset-var", "region", "--no-approval-required", "-o", "json"))
		if _, ok := variable(e, "region"); ok {
			t.Fatal("region still set after --unset-var region")
		}
		if e.ApprovalRequired {
			t.Fatal("approval_required still set after --no-approval-required")
		}
	})
	t.Run("errors name the environment and flag", func(t *testing.T) {
		as, _ := envWithSettings(t)
		if code, _, errOut := run(t, as("admin"), "env", "update", "nope", "--var", "a=b"); code != 1 || !strings.Contains(errOut, `"nope"`) {
			t.Fatalf("unknown environment: exit %d %s", code, errOut)
		}
		if code, _, errOut := run(t, as("admin"), "env", "update", "e", "--unset-var", "zone"); code != 1 || !strings.Contains(errOut, "--unset-var zone") {
			t.Fatalf("unset of a missing variable: exit %d %s", code, errOut)
		}
		if code, _, errOut := run(t, as("admin"), "env", "update", "e", "--git-ref", "main"); code != 1 || !strings.Contains(errOut, "--git-url") {
			t.Fatalf("git flag on a dir source: exit %d %s", code, errOut)
		}
		if code, _, errOut := run(t, as("admin"), "env", "update", "e", "--phase-timeout", "apply=soon"); code != 1 || !strings.Contains(errOut, "phase_timeouts") {
			t.Fatalf("bad timeout: exit %d %s", code, errOut)
		}
	})
}

func TestEnvDelete(t *testing.T) {
	t.Run("unknown environment", func(t *testing.T) {
		as, _ := apiServerStore(t)
		if code, _, errOut := run(t, as("admin"), "env", "delete", "nope"); code != 1 || !strings.Contains(errOut, `environment "nope": not found`) {
			t.Fatalf("exit %d %s", code, errOut)
		}
	})
	t.Run("refused while queued, then needs force", func(t *testing.T) {
		as, _ := envWithSettings(t)
		r := decode[release.Release](t, mustRun(t, as("ci"), "release", "create", "--env", "e", "--template", "full-plan", "-o", "json"))
		code, _, errOut := run(t, as("admin"), "env", "delete", "e", "--force")
		if code != 1 || !strings.Contains(errOut, fmt.Sprintf("release %d QUEUED", r.ID)) {
			t.Fatalf("delete with a queued release: exit %d %s", code, errOut)
		}
		mustRun(t, as("ci"), "release", "abort", fmt.Sprint(r.ID))
		if code, _, errOut := run(t, as("admin"), "env", "delete", "e"); code != 1 || !strings.Contains(errOut, "needs force") {
			t.Fatalf("delete with history, no --force: exit %d %s", code, errOut)
		}
		mustRun(t, as("ci"), "env", "show", "e")
		d := decode[apiwire.EnvironmentDeleted](t, mustRun(t, as("admin"), "env", "delete", "e", "--force", "-o", "json"))
		if d.Releases != 1 {
			t.Fatalf("deleted %+v, want 1 release", d)
		}
		if code, _, _ := run(t, as("ci"), "env", "show", "e"); code != 1 {
			t.Fatalf("env show after delete: exit %d, want 1", code)
		}
	})
	t.Run("without history at once", func(t *testing.T) {
		as, _ := envWithSettings(t)
		out := mustRun(t, as("admin"), "env", "delete", "e", "-o", "table")
		if !strings.Contains(out, "environment e deleted (with 0 releases") {
			t.Fatalf("output %q", out)
		}
	})
}
