package worker_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/secret"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
	"github.com/shiplog-dev/terraform-provider-shiplog/worker"
)

func TestMain(m *testing.M) {
	// Re-executed as a separate worker process by the kill -9 test.
	if url := os.Getenv("SHIPLOG_TEST_WORKER_DB"); url != "" {
		runChildWorker(url, os.Getenv("SHIPLOG_TEST_WORKER_DIR"))
		return
	}
	// Re-executed as a process whose effective uid alone is an
	// environment's (real and saved stay root's): one that uid cannot kill.
	if uid := os.Getenv("SHIPLOG_TEST_EUID_ONLY"); uid != "" {
		runEUIDOnly(uid)
		return
	}
	dbtest.Main(m)
}

func runChildWorker(url, dir string) {
	ctx := context.Background()
	box, err := secret.New(make([]byte, 32)) // the key dbtest's stores use
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	s, err := store.Open(ctx, url, store.Options{Secrets: box})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cfg := worker.Config{Store: s, DatabaseURL: url, WorkDir: dir, Lease: 2 * time.Second, PollInterval: 50 * time.Millisecond, ID: "doomed-worker"}
	if id := os.Getenv(scaleWorkerEnv); id != "" {
		// a worker of the scale benchmark: default lease and poll, stopped by SIGTERM
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, syscall.SIGTERM)
		defer stop()
		cfg.ID, cfg.Lease, cfg.PollInterval, cfg.Concurrency = id, 0, 0, scaleConcurrency
	}
	w, err := worker.New(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	w.Run(ctx)
	os.Exit(0)
}

// startChildWorker runs a worker ("doomed-worker", 2s lease) in a
// separate process on a directory of its own, for a test to kill.
func (h *harness) startChildWorker(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	dir := t.TempDir()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "SHIPLOG_TEST_WORKER_DB="+h.url, "SHIPLOG_TEST_WORKER_DIR="+dir)
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	return child, dir
}

// harness is a real store, a real terraform and a worker.
type harness struct {
	t     testing.TB
	store *store.Store
	url   string
	cfg   worker.Config
}

func newHarness(t *testing.T) *harness { return newBenchHarness(t) }

func newBenchHarness(t testing.TB) *harness {
	t.Helper()
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Fatal("terraform is not on PATH: run the tests through `make test`, which provides it")
	}
	s, url := dbtest.StoreURL(t)
	return &harness{t: t, store: s, url: url, cfg: worker.Config{
		Store: s, DatabaseURL: url, WorkDir: t.TempDir(), TerraformUIDBase: testUIDBase(), Lease: 10 * time.Second, PollInterval: 50 * time.Millisecond,
		Grace: 5 * time.Second, Logger: hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: os.Stderr}),
	}}
}

// testUIDBases counts the uid ranges this test process handed out.
var testUIDBases atomic.Uint32

// testUIDBase is a uid range of a test's own (its environments' ids
// start at 1 in each test's database): one of the 8192 slots above 2^31,
// apart from the installations' derived ranges below it, picked by this
// process's id and a counter, so parallel tests and test processes never
// share one, and sweeping one test's environment uid never touches another's.
func testUIDBase() uint32 {
	slot := (uint32(os.Getpid())*64 + testUIDBases.Add(1)) % 8191
	return 1<<31 + slot*worker.UIDSlotSize
}

func (h *harness) worker() *worker.Worker {
	h.t.Helper()
	w, err := worker.New(context.Background(), h.cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	return w
}

// config writes a Terraform configuration into a new directory, readable
// by the environments' uids (a worker packs a dir source only as far as
// its environment may read it).
func config(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := readableDir(t)
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func (h *harness) env(name, dir string, mutate ...func(*release.Environment)) *release.Environment {
	h.t.Helper()
	env := &release.Environment{Name: name, Source: release.Source{Dir: dir}}
	for _, m := range mutate {
		m(env)
	}
	if err := h.store.CreateEnvironment(context.Background(), env); err != nil {
		h.t.Fatal(err)
	}
	return env
}

func (h *harness) release(env, tmpl string, mutate ...func(*release.Release)) *release.Release {
	h.t.Helper()
	cat, err := template.NewCatalog()
	if err != nil {
		h.t.Fatal(err)
	}
	tp, err := cat.Get("", tmpl)
	if err != nil {
		h.t.Fatal(err)
	}
	r := &release.Release{Environment: env, Template: tp.Name(), TemplateNamespace: tp.Namespace(), Phases: tp.Phases(), TriggeredBy: "test"}
	for _, m := range mutate {
		m(r)
	}
	if err := tp.CheckRelease(r.Targets); err != nil {
		h.t.Fatal(err)
	}
	if err := h.store.CreateRelease(context.Background(), r); err != nil {
		h.t.Fatal(err)
	}
	return r
}

func (h *harness) get(id int64) *release.Release {
	h.t.Helper()
	r, err := h.store.GetRelease(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

func (h *harness) logs(id int64) []release.LogEntry {
	h.t.Helper()
	entries, err := h.store.ListLogs(context.Background(), id, "", 0, 100000)
	if err != nil {
		h.t.Fatal(err)
	}
	return entries
}

func (h *harness) runOnce(w *worker.Worker) {
	h.t.Helper()
	ran, err := w.RunOnce(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	if !ran {
		h.t.Fatalf("RunOnce: ran=%v err=%v", ran, err)
	}
}

func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readableDir is a new directory others may list and enter, below a
// temporary directory they may enter.
func readableDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// clusterDir is a directory for a private PostgreSQL cluster, reachable
// by the postgres user when tests run as root.
func clusterDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "shiplog-w-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
