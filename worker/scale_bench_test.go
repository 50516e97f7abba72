package worker_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/benchutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// scaleWorkerEnv names a re-executed test binary as a worker of the scale
// benchmark (its value is the worker's id).
const scaleWorkerEnv = "SHIPLOG_TEST_SCALE_WORKER"

// The scale benchmark's shape: 8 worker processes of 2 slots each, 1,000
// releases over 50 environments (SHIPLOG_BENCH_SCALE_RELEASES lowers the
// count on a busy machine), bounded by scaleDeadline.
const (
	scaleWorkers     = 8
	scaleConcurrency = 2
	scaleEnvs        = 50
	scaleDeadline    = 20 * time.Minute
	scaleOneResource = `resource "terraform_data" "app" { input = "v1" }` + "\n"
)

// BenchmarkScaleOut: 8 worker processes against one database. First the
// claim latency with free slots: one release per environment queued every
// 250 ms, latency = started_at - queued_at (both the database's clock).
// Then the throughput: every release queued at once (terraform-apply of a
// one-resource configuration), releases per minute from the first queued
// to the last finished. The baseline, in the same run: the same terraform
// commands (init, plan -out, show -json, apply) run bare, 16 at a time
// like the 16 slots, for 100 releases; shiplog's share of a release is
// 1 - bare/shiplog of the median release duration.
func BenchmarkScaleOut(b *testing.B) {
	total := 1000
	if v, err := strconv.Atoi(os.Getenv("SHIPLOG_BENCH_SCALE_RELEASES")); err == nil && v > 0 {
		total = v
	}
	h := newBenchHarness(b)
	cfgDir := readableDir(b)
	os.WriteFile(filepath.Join(cfgDir, "main.tf"), []byte(scaleOneResource), 0o644)
	for e := range scaleEnvs {
		h.env(fmt.Sprintf("scale-%02d", e), cfgDir)
	}
	var workers []*exec.Cmd
	for i := range scaleWorkers {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "SHIPLOG_TEST_WORKER_DB="+h.url, "SHIPLOG_TEST_WORKER_DIR="+b.TempDir(),
			fmt.Sprintf("%s=scale-worker-%d", scaleWorkerEnv, i))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		workers = append(workers, cmd)
	}
	defer func() {
		for _, w := range workers {
			w.Process.Signal(syscall.SIGTERM)
		}
		for _, w := range workers {
			w.Wait()
		}
	}()
	deadline := time.Now().Add(scaleDeadline)
	wait := func(ids []int64) []*release.Release {
		out := make([]*release.Release, 0, len(ids))
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for _, id := range ids {
			for {
				r := h.get(id)
				if r.Status.Terminal() {
					if r.Status != release.StatusSucceeded {
						b.Fatalf("release %d: %s\n%s", id, r.Status, r.ErrorLog)
					}
					out = append(out, r)
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("scale benchmark past its %s bound with release %d %s", scaleDeadline, id, r.Status)
				}
				<-tick.C
			}
		}
		return out
	}

	// claim latency with free slots
	var probe []int64
	for e := range scaleEnvs {
		probe = append(probe, h.release(fmt.Sprintf("scale-%02d", e), "terraform-apply").ID)
		time.Sleep(250 * time.Millisecond) // the arrival rate under test, not a wait for an event
	}
	var latency []time.Duration
	for _, r := range wait(probe) {
		latency = append(latency, r.StartedAt.Sub(*r.QueuedAt))
	}

	// throughput
	ids := make([]int64, 0, total)
	for i := range total {
		ids = append(ids, h.release(fmt.Sprintf("scale-%02d", i%scaleEnvs), "terraform-apply").ID)
	}
	done := wait(ids)
	var first, last time.Time
	var durations []time.Duration
	for _, r := range done {
		if first.IsZero() || r.QueuedAt.Before(first) {
			first = *r.QueuedAt
		}
		if r.FinishedAt.After(last) {
			last = *r.FinishedAt
		}
		durations = append(durations, r.FinishedAt.Sub(*r.StartedAt))
	}
	perMin := float64(len(done)) / last.Sub(first).Minutes()

	// baseline: bare terraform, 16 at a time, while the workers idle
	bareN := min(100, total)
	bareDur, bareWall := bareTerraform(b, bareN, scaleWorkers*scaleConcurrency)
	barePerMin := float64(bareN) / bareWall.Minutes()

	slices.Sort(latency)
	p := func(q float64) time.Duration { return latency[int(q*float64(len(latency)-1))] }
	ms, mb := benchutil.Median(durations), benchutil.Median(bareDur)
	fmt.Printf("BenchmarkScaleOut: %d worker processes x %d slots, one database, %d environments, terraform-apply of one terraform_data\n", scaleWorkers, scaleConcurrency, scaleEnvs)
	fmt.Printf("  claim latency (queued -> IN_PROGRESS, free slots, %d releases)   p50 %7.1f ms   p99 %7.1f ms   (poll interval, the wait without dispatch: up to 500 ms)\n",
		len(latency), benchutil.Millis(p(0.50)), benchutil.Millis(p(0.99)))
	fmt.Printf("  throughput, %d releases queued at once                           %7.1f releases/min  (%.1fs)\n", len(done), perMin, last.Sub(first).Seconds())
	fmt.Printf("  baseline: bare terraform, %d at a time, %d releases               %7.1f releases/min  (%.1fs)\n", scaleWorkers*scaleConcurrency, bareN, barePerMin, bareWall.Seconds())
	fmt.Printf("  median release: shiplog %.2fs, bare terraform %.2fs: shiplog's own share %.0f%%\n", ms.Seconds(), mb.Seconds(), 100*(1-mb.Seconds()/ms.Seconds()))
	b.ReportMetric(perMin, "releases/min")
	b.ReportMetric(benchutil.Millis(p(0.99)), "claim-p99-ms")
}

// bareTerraform runs n releases' terraform commands (init, plan -out, show
// -json, apply; local state) par at a time and returns each one's duration
// and the wall time.
func bareTerraform(b *testing.B, n, par int) ([]time.Duration, time.Duration) {
	tfPath, err := exec.LookPath("terraform")
	if err != nil {
		b.Fatal(err)
	}
	script := fmt.Sprintf(`set -e
%[1]s init -input=false >/dev/null
%[1]s plan -input=false -out=bare.tfplan >/dev/null
%[1]s show -json bare.tfplan >/dev/null
%[1]s apply -input=false bare.tfplan >/dev/null
`, tfPath)
	durs := make([]time.Duration, n)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failure error
	start := time.Now()
	for i := range n {
		work := b.TempDir()
		os.WriteFile(filepath.Join(work, "main.tf"), []byte(scaleOneResource), 0o644)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			cmd := exec.Command("sh", "-c", script)
			cmd.Dir = work
			cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + work, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1"}
			t0 := time.Now()
			out, err := cmd.CombinedOutput()
			durs[i] = time.Since(t0)
			if err != nil {
				mu.Lock()
				failure = fmt.Errorf("bare terraform: %v\n%s", err, out)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failure != nil {
		b.Fatal(failure)
	}
	return durs, time.Since(start)
}
