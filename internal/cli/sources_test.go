package cli_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/cli"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// cliProcessEnv makes the test binary run as `shiplog` with its arguments.
const cliProcessEnv = "SHIPLOG_TEST_CLI_PROCESS"

const sourcedConfig = `resource "terraform_data" "app" { input = "from-%s" }
output "where" { value = terraform_data.app.output }
`

// gitRepo makes a bare repository (served as file://) whose branch main
// holds a configuration under envs/app, and returns its URL and commit.
func gitRepo(t *testing.T) (url, commit string) {
	t.Helper()
	bare := filepath.Join(t.TempDir(), "infra.git")
	work := t.TempDir()
	gitEnv := append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, gitEnv
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git(t.TempDir(), "init", "-q", "--bare", bare)
	git(work, "init", "-q", "-b", "main")
	writeTree(t, work, map[string]string{"envs/app/main.tf": strings.ReplaceAll(sourcedConfig, "%s", "git"), "README.md": "not configuration"})
	git(work, "add", ".")
	git(work, "commit", "-q", "-m", "app")
	git(work, "push", "-q", bare, "main")
	return "file://" + bare, git(work, "rev-parse", "HEAD")
}

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// startServer runs `shiplog server` (API only) in this process and returns
// its endpoint.
func startServer(t *testing.T, db []string) string {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, "test", append([]string{"server", "--listen", "127.0.0.1:0"}, db...), &bytes.Buffer{}, &stderr)
	}()
	addr := regexp.MustCompile(`address=(http://127\.0\.0\.1:\d+)`)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(time.Minute)
	for {
		if m := addr.FindStringSubmatch(stderr.String()); m != nil {
			t.Cleanup(func() { stop(); <-done })
			return m[1]
		}
		select {
		case <-deadline:
			t.Fatalf("the server did not start:\n%s", stderr.String())
		case <-tick.C:
		}
	}
}

// The "done when": a worker process started with only the
// database URL (and the shared secret key), in a working and data
// directory that never saw either configuration, runs a git-sourced and an
// uploaded environment from the stored blueprints alone.
func TestWorkerElsewhereRunsGitAndUploadedEnvironments(t *testing.T) {
	ctx := context.Background()
	url := dbtest.URL(t)
	key := make([]byte, 32)
	rand.Read(key)
	t.Setenv("SHIPLOG_SECRET_KEY", base64.StdEncoding.EncodeToString(key))
	db := []string{"--database-url", url, "--data-dir", t.TempDir()}
	admin := strings.TrimSpace(mustRun(t, nil, append([]string{"token", "create", "root", "--scope", "admin,write,read"}, db...)...))
	endpoint := startServer(t, db)
	as := map[string]string{"SHIPLOG_ENDPOINT": endpoint, "SHIPLOG_TOKEN": admin}

	repo, commit := gitRepo(t)
	mustRun(t, as, "env", "create", "from-git", "--git-url", repo, "--git-ref", "main", "--git-subdir", "envs/app")
	mustRun(t, as, "env", "create", "from-upload", "--upload")
	pushed := t.TempDir()
	writeTree(t, pushed, map[string]string{"main.tf": strings.ReplaceAll(sourcedConfig, "%s", "upload")})
	res := decode[apiwire.Configuration](t, mustRun(t, as, "env", "push", "from-upload", pushed, "-o", "json"))
	if !res.Created || !strings.HasPrefix(res.BlueprintVersion, "sha256:") {
		t.Fatalf("env push: %+v", res)
	}
	if err := os.RemoveAll(pushed); err != nil { // the worker must not need it
		t.Fatal(err)
	}
	c, err := client.New(client.Config{Endpoint: endpoint, Token: admin})
	if err != nil {
		t.Fatal(err)
	}
	fromGit, err := c.CreateRelease(ctx, apiwire.CreateReleaseRequest{Environment: "from-git"})
	if err != nil {
		t.Fatal(err)
	}
	fromUpload, err := c.CreateRelease(ctx, apiwire.CreateReleaseRequest{Environment: "from-upload"})
	if err != nil {
		t.Fatal(err)
	}

	// The worker elsewhere: its own process, an empty working directory and
	// data directory, told only where the database is.
	elsewhere := t.TempDir()
	os.Chmod(elsewhere, 0o755)
	worker := exec.Command(os.Args[0], "worker", "--database-url", url, "--data-dir", filepath.Join(elsewhere, "data"), "--concurrency", "2")
	worker.Dir = elsewhere
	worker.Env = []string{cliProcessEnv + "=1", "PATH=" + os.Getenv("PATH"), "HOME=" + elsewhere, "SHIPLOG_SECRET_KEY=" + os.Getenv("SHIPLOG_SECRET_KEY")}
	var workerLog syncBuffer
	worker.Stdout, worker.Stderr = &workerLog, &workerLog
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		worker.Process.Signal(syscall.SIGTERM)
		worker.Wait()
	}()

	st, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(3 * time.Minute)
	got := map[int64]*release.Release{}
	for _, id := range []int64{fromGit.ID, fromUpload.ID} {
		for {
			r, err := st.GetRelease(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status.Terminal() {
				got[id] = r
				break
			}
			select {
			case <-deadline:
				t.Fatalf("release %d still %s; worker log:\n%s", id, r.Status, workerLog.String())
			case <-tick.C:
			}
		}
	}
	for id, r := range got {
		if r.Status != release.StatusSucceeded {
			t.Errorf("release %d (%s): %s\n%s\nworker log:\n%s", id, r.Environment, r.Status, r.ErrorLog, workerLog.String())
		}
	}
	if g := got[fromGit.ID]; g.SourceCommit != commit {
		t.Errorf("git release recorded commit %q, want %q", g.SourceCommit, commit)
	}
	if g := got[fromGit.ID]; !strings.HasPrefix(g.BlueprintVersion, "sha256:") {
		t.Errorf("git release blueprint %q", g.BlueprintVersion)
	}
	if u := got[fromUpload.ID]; u.BlueprintVersion != res.BlueprintVersion {
		t.Errorf("uploaded release ran blueprint %q, want the pushed %q", u.BlueprintVersion, res.BlueprintVersion)
	}
	for id, want := range map[int64]string{fromGit.ID: "from-git", fromUpload.ID: "from-upload"} {
		var text strings.Builder
		entries, err := st.ListLogs(ctx, id, "", 0, 10000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			text.WriteString(e.Text + "\n")
		}
		if !strings.Contains(text.String(), want) {
			t.Errorf("release %d's log does not show the output %q of its configuration", id, want)
		}
	}
}
