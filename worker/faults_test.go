package worker_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/worker"
)

// slowConfig applies a resource whose creation takes a while (a local-exec
// provisioner), so a test can act while apply runs.
func slowConfig(t *testing.T, seconds string) string {
	return config(t, map[string]string{"main.tf": `
resource "terraform_data" "fast" {
  input = "ready"
}
resource "terraform_data" "slow" {
  input = "slow"
  provisioner "local-exec" {
    command = "echo provisioning; sleep ` + seconds + `; echo provisioned"
  }
}
`})
}

func (h *harness) phaseRunning(id int64, phase string) func() bool {
	return func() bool {
		r, err := h.store.GetRelease(context.Background(), id)
		if err != nil {
			return false
		}
		for _, p := range r.Phases {
			if p.Name == phase && p.Status == release.PhaseInProgress {
				return strings.Contains(joinLogs(h.logs(id)), "provisioning")
			}
		}
		return false
	}
}

func (h *harness) status(id int64) release.Status { return h.get(id).Status }

// A worker killed with SIGKILL during apply: its release is STOPPED once
// the lease expires, the environment runs its next release, and the state
// survived (the next release plans against it).
func TestKilledWorkerDuringApply(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop", slowConfig(t, "30"))
	r1 := h.release("shop", "terraform-apply")
	child, childDir := h.startChildWorker(t)
	running := h.phaseRunning(r1.ID, "apply")
	// a release that ended instead says why at once, rather than waiting out
	// the deadline (two cores shared by every package's tests: a generous one)
	testutil.Eventually(t, "apply to start in the child worker", 3*time.Minute, func() bool { return running() || h.status(r1.ID).Terminal() })
	if got := h.get(r1.ID); got.Status.Terminal() {
		t.Fatalf("release %d ended %s before its apply ran: %s", r1.ID, got.Status, got.ErrorLog)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()

	// A surviving worker on the same disk reaps the expired lease (dropping
	// the dead terraform's state lock and working copy), then runs the next
	// release.
	h.cfg.WorkDir = childDir
	w := h.worker()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	testutil.Eventually(t, "the dead worker's release to be STOPPED", 30*time.Second, func() bool { return h.status(r1.ID) == release.StatusStopped })
	got := h.get(r1.ID)
	if !strings.Contains(got.ErrorLog, "doomed-worker stopped renewing its lease") {
		t.Fatalf("error log %q", got.ErrorLog)
	}
	if _, err := h.store.Pool().Exec(context.Background(), `UPDATE environments SET source = $1`, release.Source{Dir: config(t, map[string]string{"main.tf": `
resource "terraform_data" "fast" {
  input = "ready"
}
resource "terraform_data" "slow" {
  input = "slow"
}
`})}); err != nil {
		t.Fatal(err)
	}
	r2 := h.release("shop", "terraform-apply")
	testutil.Eventually(t, "the next release to finish", 90*time.Second, func() bool { return h.status(r2.ID).Terminal() })
	got2 := h.get(r2.ID)
	if got2.Status != release.StatusSucceeded {
		t.Fatalf("next release %s:\n%s", got2.Status, got2.ErrorLog)
	}
	// The killed terraform's lock was released by the reaper and its state
	// stayed readable: the next release planned and applied against it.
	if left, _ := filepath.Glob(filepath.Join(childDir, "releases", strconv.FormatInt(r1.ID, 10)+"-*")); len(left) > 0 {
		t.Fatalf("the killed release's working copy is still there: %v", left)
	}
	vs, err := h.store.ListStateVersions(context.Background(), "shop", 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 || vs[0].ReleaseID == nil || *vs[0].ReleaseID != r2.ID {
		t.Fatalf("state versions %+v: want the newest from release %d", vs, r2.ID)
	}
}

// Abort during apply: terraform gets SIGINT, stops cleanly, the release is
// ABORTED, and the state is intact for the next release.
func TestAbortDuringApply(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop", slowConfig(t, "60"))
	r := h.release("shop", "terraform-apply")
	w := h.worker()
	done := make(chan struct{})
	go func() { h.runOnce(w); close(done) }()
	testutil.Eventually(t, "apply to start", 60*time.Second, h.phaseRunning(r.ID, "apply"))
	start := time.Now()
	if _, err := h.store.RequestAbort(context.Background(), r.ID, "carol", "wrong change"); err != nil {
		t.Fatal(err)
	}
	<-done
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("abort took %s", took)
	}
	got := h.get(r.ID)
	if got.Status != release.StatusAborted {
		t.Fatalf("after abort: %s %q", got.Status, got.ErrorLog)
	}
	if !strings.Contains(got.ErrorLog, "aborted by carol: wrong change") {
		t.Fatalf("after abort: %s %q", got.Status, got.ErrorLog)
	}
	if got.Phases[3].Status != release.PhaseAborted {
		t.Fatalf("apply phase %s", got.Phases[3].Status)
	}
	text := joinLogs(h.logs(r.ID))
	if !strings.Contains(text, "Interrupt received") {
		t.Fatalf("terraform did not get SIGINT:\n%s", text)
	}
	// state intact and unlocked: the next plan runs against it
	r2 := h.release("shop", "full-plan")
	h.runOnce(w)
	if got := h.get(r2.ID); got.Status != release.StatusSucceeded {
		t.Fatalf("plan after abort: %s\n%s", got.Status, got.ErrorLog)
	}
}

func TestPhaseTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop", slowConfig(t, "60"))
	r := h.release("shop", "terraform-apply", func(r *release.Release) {
		r.Phases[3].Options.Timeout = 3 * time.Second
	})
	h.runOnce(h.worker())
	got := h.get(r.ID)
	if got.Status != release.StatusTimedOut {
		t.Fatalf("after timeout: %s %q %s", got.Status, got.ErrorLog, got.Phases[3].Status)
	}
	if !strings.Contains(got.ErrorLog, "timed out") {
		t.Fatalf("after timeout: %s %q %s", got.Status, got.ErrorLog, got.Phases[3].Status)
	}
	if got.Phases[3].Status != release.PhaseTimedOut {
		t.Fatalf("after timeout: %s %q %s", got.Status, got.ErrorLog, got.Phases[3].Status)
	}
}

// SIGTERM: the worker interrupts terraform, records STOPPED and returns.
func TestShutdownStopsRunningRelease(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop", slowConfig(t, "60"))
	r := h.release("shop", "terraform-apply")
	w := h.worker()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	testutil.Eventually(t, "apply to start", 60*time.Second, h.phaseRunning(r.ID, "apply"))
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not shut down")
	}
	got := h.get(r.ID)
	if got.Status != release.StatusStopped {
		t.Fatalf("after shutdown: %s %q", got.Status, got.ErrorLog)
	}
	if !strings.Contains(got.ErrorLog, "worker shut down") {
		t.Fatalf("after shutdown: %s %q", got.Status, got.ErrorLog)
	}
}

func TestInvalidConfigurationFailsWithDiagnostic(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop", config(t, map[string]string{"main.tf": `
resource "terraform_data" "a" {
  input = terraform_data.missing.id
}
`}))
	r := h.release("shop", "full-plan")
	h.runOnce(h.worker())
	got := h.get(r.ID)
	if got.Status != release.StatusFailed || !strings.Contains(got.ErrorLog, "Reference to undeclared resource") ||
		!strings.Contains(got.ErrorLog, "phase plan (plan) failed") || strings.Contains(got.ErrorLog, "goroutine") {
		t.Fatalf("status %s, error log:\n%s", got.Status, got.ErrorLog)
	}
	if got.Phases[0].Status != release.PhaseSucceeded {
		t.Fatalf("phases %+v", got.Phases)
	}
	if got.Phases[1].Status != release.PhaseFailed {
		t.Fatalf("phases %+v", got.Phases)
	}
}

func TestTerraformMissingFailsAtStart(t *testing.T) {
	h := newHarness(t)
	h.cfg.TerraformPath = "/nonexistent/terraform"
	_, err := worker.New(context.Background(), h.cfg)
	if err == nil {
		t.Fatalf("want a clear start-up error, got %v", err)
	}
	if !strings.Contains(err.Error(), "/nonexistent/terraform") {
		t.Fatalf("want a clear start-up error, got %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	h.cfg.TerraformPath = ""
	_, err = worker.New(context.Background(), h.cfg)
	if err == nil {
		t.Fatalf("want a clear start-up error, got %v", err)
	}
	if !strings.Contains(err.Error(), "terraform is not installed") {
		t.Fatalf("want a clear start-up error, got %v", err)
	}
}

// Two workers race over one environment's queue: never two active, and
// the releases run one after the other, oldest first.
func TestTwoWorkersOneEnvironment(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("shop", config(t, map[string]string{"main.tf": `resource "terraform_data" "a" { input = timestamp() }`}))
	var ids []int64
	for range 3 {
		ids = append(ids, h.release("shop", "terraform-apply").ID)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		w := h.worker()
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(ctx) }()
	}
	maxActive := 0
	testutil.Eventually(t, "all releases to finish", 120*time.Second, func() bool {
		var active int
		if err := h.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM releases WHERE status = 'IN_PROGRESS'`).Scan(&active); err != nil {
			t.Error(err)
		}
		maxActive = max(maxActive, active)
		for _, id := range ids {
			if !h.status(id).Terminal() {
				return false
			}
		}
		return true
	})
	cancel()
	wg.Wait()
	if maxActive > 1 {
		t.Fatalf("%d releases of one environment were active at once", maxActive)
	}
	for i, id := range ids {
		got := h.get(id)
		if got.Status != release.StatusSucceeded {
			t.Fatalf("release %d: %s\n%s", id, got.Status, got.ErrorLog)
		}
		if i > 0 && !h.get(ids[i-1]).FinishedAt.Before(*got.StartedAt) {
			t.Fatalf("release %d started before %d finished", id, ids[i-1])
		}
	}
}
