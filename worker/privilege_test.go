package worker_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/secret"
)

// Configuration code runs without shiplog's privileges: a local-exec that
// tries to read the secret key, list the data directory and the database's
// socket directory is denied, and runs as the environment's own uid when
// the worker is root (as the worker's own user otherwise).
func TestConfigurationCodeRunsUnprivileged(t *testing.T) {
	t.Parallel() // its environment's uid is its own: see testUIDBase
	h := newHarness(t)
	dataDir := t.TempDir()
	if err := os.Chmod(dataDir, 0o711); err != nil { // as `shiplog` makes its data directory
		t.Fatal(err)
	}
	keyFile := filepath.Join(dataDir, "secret.key")
	if _, err := secret.FromEnvOrFile("", keyFile); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(h.url)
	if err != nil {
		t.Fatal(err)
	}
	sockDir := u.Query().Get("host")
	if !strings.HasPrefix(sockDir, "/") {
		t.Fatalf("the test database URL %s has no socket directory", h.url)
	}
	h.cfg.WorkDir = filepath.Join(dataDir, "work")
	probe := func(kind, path string) string {
		return `if ` + kind + ` "` + path + `" >/dev/null 2>&1; then echo "ALLOWED ` + path + `"; else echo "DENIED ` + path + `"; fi` + "\n"
	}
	env := h.env("shop", config(t, map[string]string{"main.tf": `
resource "terraform_data" "probe" {
  provisioner "local-exec" {
    command = <<EOT
echo "running as uid $(id -u)"
` + probe("cat", keyFile) + probe("ls", dataDir) + probe("ls", sockDir) + probe("ls", filepath.Join(h.cfg.WorkDir, "releases")) + `EOT
  }
}
`}))
	r := h.release("shop", "terraform-apply")
	h.runOnce(h.worker())
	got := h.get(r.ID)
	if got.Status != release.StatusSucceeded {
		t.Fatalf("status %s\n%s", got.Status, got.ErrorLog)
	}
	text := joinLogs(h.logs(r.ID))
	wantUID := os.Getuid()
	if os.Geteuid() == 0 {
		wantUID = int(int64(h.cfg.TerraformUIDBase) + env.ID) // the environment's own uid
		// (terraform echoes the command first: look at what it printed)
		for _, p := range []string{keyFile, dataDir, sockDir, filepath.Join(h.cfg.WorkDir, "releases")} {
			if !strings.Contains(text, "(local-exec): DENIED "+p+"\n") {
				t.Errorf("configuration code was not denied %s:\n%s", p, text)
			}
		}
	}
	if !strings.Contains(text, "(local-exec): running as uid "+strconv.Itoa(wantUID)+"\n") {
		t.Fatalf("configuration code did not run as uid %d:\n%s", wantUID, text)
	}
	if wantUID == 0 {
		t.Fatal("configuration code ran as root")
	}
}
