package worker_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// secretDir is a directory only root may read, holding a configuration
// (sub/main.tf) whose output would print its secret.
func secretDir(t *testing.T) (dir, secretText string) {
	t.Helper()
	dir = t.TempDir() // 0700, root's
	secretText = "worker-machine-secret-7f3a"
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "sub"), "main.tf", `output "stolen" { value = "`+secretText+`" }`)
	return dir, secretText
}

// gitRepo is a repository others may read (the environment's uid runs
// git) with one commit of files: name to body, or to "->target" for a
// symbolic link.
func gitRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	repo := readableDir(t)
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"}, args...)...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("init", "-q")
	for name, body := range files {
		path := filepath.Join(repo, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(body, "->"); ok {
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
			continue
		}
		writeFile(t, filepath.Dir(path), filepath.Base(path), body)
	}
	run("add", "-A")
	run("commit", "-q", "-m", "config")
	return repo
}

// A committed symbolic link that takes git_subdir out of the repository
// (cfg -> a directory only root may read, git_subdir cfg/sub) is refused
// with an error naming the link; nothing of the directory is read.
func TestGitSubdirSymlinkOutOfTheRepositoryRefused(t *testing.T) {
	h := newHarness(t)
	secret, text := secretDir(t)
	repo := gitRepo(t, map[string]string{"cfg": "->" + secret, "README": "hi"})
	h.env("shop", "", func(e *release.Environment) {
		e.Source = release.Source{GitURL: "file://" + repo, GitSubdir: "cfg/sub"}
	})
	r := h.release("shop", "full-plan")
	h.runOnce(h.worker())
	got := h.get(r.ID)
	logs := joinLogs(h.logs(r.ID))
	if got.Status != release.StatusFailed {
		t.Fatalf("status %s, want FAILED\n%s", got.Status, logs)
	}
	if !strings.Contains(got.ErrorLog, "cfg is a symbolic link to "+secret) {
		t.Errorf("the error does not name the link cfg and its target %s:\n%s", secret, got.ErrorLog)
	}
	if strings.Contains(logs+got.ErrorLog, text) {
		t.Errorf("the secret directory's contents reached the release:\n%s\n%s", logs, got.ErrorLog)
	}
}

// A dir source the environment's uid cannot read is refused with an
// error naming the directory and the uid; its contents are not read.
func TestDirSourceUnreadableByTheEnvironmentRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root (as in CI): only a root worker reads sources for environments' uids")
	}
	h := newHarness(t)
	secret, text := secretDir(t)
	env := h.env("shop", filepath.Join(secret, "sub"))
	r := h.release("shop", "full-plan")
	h.runOnce(h.worker())
	got := h.get(r.ID)
	logs := joinLogs(h.logs(r.ID))
	if got.Status != release.StatusFailed {
		t.Fatalf("status %s, want FAILED\n%s", got.Status, logs)
	}
	uid := strconv.FormatInt(int64(h.cfg.TerraformUIDBase)+env.ID, 10)
	if !strings.Contains(got.ErrorLog, "configuration directory "+filepath.Join(secret, "sub")) || !strings.Contains(got.ErrorLog, "not readable by the environment's uid "+uid) {
		t.Errorf("the error does not name the directory and uid %s:\n%s", uid, got.ErrorLog)
	}
	if strings.Contains(logs+got.ErrorLog, text) {
		t.Errorf("the unreadable directory's contents reached the release:\n%s\n%s", logs, got.ErrorLog)
	}
}

// A git source runs (git as the environment's uid when the worker is
// root), and a committed link that stays inside the repository may lead
// to git_subdir.
func TestGitSubdirThroughALinkInsideTheRepository(t *testing.T) {
	h := newHarness(t)
	repo := gitRepo(t, map[string]string{"cfg/sub/main.tf": `output "ok" { value = "from-git" }`, "link": "->cfg"})
	h.env("shop", "", func(e *release.Environment) {
		e.Source = release.Source{GitURL: "file://" + repo, GitSubdir: "link/sub"}
	})
	r := h.release("shop", "full-plan")
	h.runOnce(h.worker())
	got := h.get(r.ID)
	if got.Status != release.StatusSucceeded {
		t.Fatalf("status %s, want SUCCEEDED\n%s\n%s", got.Status, got.ErrorLog, joinLogs(h.logs(r.ID)))
	}
	if got.SourceCommit == "" {
		t.Errorf("no source commit recorded")
	}
}
