package worker_test

import (
	"os"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// A dir source missing on the worker's machine fails the release with an
// error naming the directory and the machine.
func TestDirSourceMissingOnWorkerNamesTheMachine(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := config(t, map[string]string{"main.tf": `resource "terraform_data" "a" {}`})
	h.env("shop", dir)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	r := h.release("shop", "full-plan")
	h.runOnce(h.worker())
	got := h.get(r.ID)
	host, _ := os.Hostname()
	if got.Status != release.StatusFailed {
		t.Fatalf("status %s, want FAILED", got.Status)
	}
	if !strings.Contains(got.ErrorLog, dir) || !strings.Contains(got.ErrorLog, "machine "+host) {
		t.Fatalf("error log does not name the directory %s and machine %s:\n%s", dir, host, got.ErrorLog)
	}
}

// A git ref that does not exist fails the release with git's reason.
func TestGitSourceUnknownRefFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	bare := t.TempDir()
	h.env("shop", "", func(e *release.Environment) {
		e.Source = release.Source{GitURL: "file://" + bare, GitRef: "no-such-branch"}
	})
	r := h.release("shop", "full-plan")
	h.runOnce(h.worker())
	got := h.get(r.ID)
	if got.Status != release.StatusFailed {
		t.Fatalf("status %s, want FAILED", got.Status)
	}
	if !strings.Contains(got.ErrorLog, "no-such-branch") {
		t.Fatalf("error log does not name the ref:\n%s", got.ErrorLog)
	}
}
