package provider_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestExampleAsAUserRunsIt builds the shiplog binary, installs it for
// Terraform the way a developer would (a CLI configuration with
// dev_overrides), and plans examples/release-report against a real server
// holding real releases: Terraform launches the binary, which serves the
// provider, and the plan's outputs are what the server holds.
func TestExampleAsAUserRunsIt(t *testing.T) {
	t.Parallel()
	accEnv(t)
	f := newFixture(t)
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")

	cliConfig := installProvider(t)
	work := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "examples", "release-report", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "main.tf"), src, 0o644); err != nil {
		t.Fatal(err)
	}

	terraform := func(args ...string) []byte {
		t.Helper()
		return runTerraform(t, tf, work, cliConfig, f.server, args...)
	}
	terraform("plan", "-input=false", "-no-color", "-out=report.tfplan", "-var", "environment=production", "-var", "app_name=web")
	var plan struct {
		PlannedValues struct {
			Outputs map[string]struct {
				Value any `json:"value"`
			} `json:"outputs"`
		} `json:"planned_values"`
	}
	if err := json.Unmarshal(terraform("show", "-json", "report.tfplan"), &plan); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for k, v := range plan.PlannedValues.Outputs {
		got[k] = v.Value
	}

	phases := []any{}
	for _, p := range f.prod.Phases {
		phases = append(phases, p.Name+":SUCCEEDED")
	}
	want := map[string]any{
		"latest_release": map[string]any{
			"id": float64(f.prod.ID), "status": "SUCCEEDED", "template": "terraform-apply", "phases": phases, "changes": float64(3),
		},
		"changed_addresses": []any{"terraform_data.database", "terraform_data.network", "terraform_data.web"},
		"recent_statuses":   []any{"SUCCEEDED"},
		"out_of_sync":       []any{},
		"app_artifact":      "registry.example.com/shop/web:2.0.0",
	}
	if !reflect.DeepEqual(got, want) {
		g, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		w, err := json.MarshalIndent(want, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		t.Fatalf("outputs:\n%s\nwant:\n%s", g, w)
	}
}

// installProvider builds the shiplog binary under the name Terraform looks
// for and returns a CLI configuration whose dev_overrides point at it.
func installProvider(t testing.TB) string {
	t.Helper()
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "terraform-provider-shiplog"), "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building shiplog: %v\n%s", err, out)
	}
	cliConfig := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(cliConfig, []byte(fmt.Sprintf(`provider_installation {
  dev_overrides {
    "shiplog-dev/shiplog" = %q
  }
  direct {}
}
`, bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	return cliConfig
}

// runTerraform runs terraform in dir with the installed provider, reading
// from s with the reader token, and returns its standard output.
func runTerraform(t testing.TB, tf, dir, cliConfig string, s *server, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(tf, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"SHIPLOG_ENDPOINT="+s.endpoint,
		"SHIPLOG_TOKEN="+s.tokens["reader"],
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("terraform %s: %v\n%s\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes()
}
