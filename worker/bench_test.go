package worker_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/benchutil"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/worker"
)

// Benchmarks print their figure next to a baseline measured in the same
// run. Run them with `make bench` (-benchtime 1x: each repeats itself).

const benchRuns = 5

const resources200 = `
variable "n" { default = 200 }
resource "terraform_data" "svc" {
  count = var.n
  input = {
    name     = "svc-${count.index}"
    image    = "registry.example.com/team/app-${count.index % 20}:v1"
    replicas = (count.index % 5) + 1
    labels   = { team = "t${count.index % 7}", tier = "backend" }
  }
}
`

// BenchmarkReleaseOverhead: the terraform-apply template (init, migrate,
// plan, apply) on 200 terraform_data resources through shiplog with its own
// http state backend, against the same release with terraform's pg backend
// (shiplog before it kept state itself), and against the same terraform
// commands (init, plan -out, apply) from a shell script with the pg
// backend. Each run starts from empty state; the three alternate.
func BenchmarkReleaseOverhead(b *testing.B) {
	h := newBenchHarness(b)
	cfgDir := readableDir(b)
	if err := os.WriteFile(filepath.Join(cfgDir, "main.tf"), []byte(resources200), 0o644); err != nil {
		b.Fatal(err)
	}
	tfPath, err := exec.LookPath("terraform")
	if err != nil {
		b.Fatal(err)
	}

	var bare, floor, viaPG, viaHTTP []time.Duration
	for i := range benchRuns {
		// bare: a shell script, fresh working copy and state schema
		work := b.TempDir()
		if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(resources200+"\nterraform {\n  backend \"pg\" {}\n}\n"), 0o644); err != nil {
			b.Error(err)
		}
		conn := strings.Replace(h.url, "?", "?sslmode=disable&", 1)
		if err := os.WriteFile(filepath.Join(work, "backend.tfbackend"), []byte(fmt.Sprintf("conn_str = %q\nschema_name = \"bare_%d\"\n", conn, i)), 0o600); err != nil {
			b.Error(err)
		}
		script := fmt.Sprintf(`set -e
%[1]s init -input=false -backend-config=backend.tfbackend >/dev/null
%[1]s plan -input=false -out=bare.tfplan >/dev/null
%[1]s apply -input=false bare.tfplan >/dev/null
`, tfPath)
		cmd := exec.Command("sh", "-c", script)
		cmd.Dir = work
		cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + work, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1"}
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("bare terraform: %v\n%s", err, out)
		}
		bare = append(bare, time.Since(start))
		// what shiplog must run besides: the plan as JSON for its changes,
		// and tfexec's version probe (once per release). The applied state
		// is read from the store, not with a second show -json.
		extra := exec.Command("sh", "-c", fmt.Sprintf("%[1]s show -json bare.tfplan >/dev/null && %[1]s version -json >/dev/null", tfPath))
		extra.Dir, extra.Env = work, cmd.Env
		start = time.Now()
		if out, err := extra.CombinedOutput(); err != nil {
			b.Fatalf("bare terraform show: %v\n%s", err, out)
		}
		floor = append(floor, time.Since(start))

		// shiplog: a release of a new environment with each backend
		for _, backend := range []string{worker.BackendPG, worker.BackendHTTP} {
			env := fmt.Sprintf("bench-%s-%d", backend, i)
			h.env(env, cfgDir)
			r := h.release(env, "terraform-apply")
			h.cfg.StateBackend = backend
			w := h.worker()
			start = time.Now()
			h.runOnce(w)
			took := time.Since(start)
			if got := h.get(r.ID); got.Status != release.StatusSucceeded || got.Summary.Create != 200 {
				b.Fatalf("release with the %s backend: %s %+v\n%s", backend, got.Status, got.Summary, got.ErrorLog)
			}
			if backend == worker.BackendPG {
				viaPG = append(viaPG, took)
			} else {
				viaHTTP = append(viaHTTP, took)
			}
		}
	}
	mb, mpg, mhttp := benchutil.Median(bare), benchutil.Median(viaPG), benchutil.Median(viaHTTP)
	fmt.Printf("\nrelease overhead, terraform-apply on 200 terraform_data resources (median of %d)\n", benchRuns)
	fmt.Printf("  baseline: bare terraform init+plan+apply script (pg backend)  %8.2fs  %v\n", mb.Seconds(), benchutil.Runs(bare))
	fmt.Printf("  baseline: shiplog release with the pg backend (before)        %8.2fs  %v  (%.2fx bare)\n", mpg.Seconds(), benchutil.Runs(viaPG), mpg.Seconds()/mb.Seconds())
	fmt.Printf("  shiplog release with its own http backend                     %8.2fs  %v  (%.2fx bare)\n", mhttp.Seconds(), benchutil.Runs(viaHTTP), mhttp.Seconds()/mb.Seconds())
	fmt.Printf("  http backend / pg backend                                     %8.3fx  (target <= 1.05x)\n", mhttp.Seconds()/mpg.Seconds())
	must := mb + benchutil.Median(floor)
	fmt.Printf("  of which terraform itself must add: show -json + version -json run bare, %.2fs (%.2fx of the baseline)\n",
		benchutil.Median(floor).Seconds(), must.Seconds()/mb.Seconds())
	fmt.Printf("  shiplog's own share beyond those terraform commands (http)     %7.1f%%  (target <= 5%%)\n",
		100*(mhttp.Seconds()-must.Seconds())/must.Seconds())
	b.ReportMetric(mhttp.Seconds()/mb.Seconds(), "x-bare")
	b.ReportMetric(mhttp.Seconds()/mpg.Seconds(), "x-pg")
}

// BenchmarkLogPipeline replays the 296,017-line log of a 10,000-resource
// plan through the LogWriter into PostgreSQL. Baseline: the same lines
// handed to the store in one batch (COPY with nothing in between).
func BenchmarkLogPipeline(b *testing.B) {
	lines := loadBenchLog(b)
	h := newBenchHarness(b)
	h.env("logs", readableDir(b))
	if _, err := h.store.Pool().Exec(context.Background(), `CREATE TABLE bench_log_rows (release_id bigint, seq bigint, phase text,
		ts timestamptz, stream text, text text, deployment_type text, PRIMARY KEY (release_id, seq))`); err != nil {
		b.Fatal(err)
	}
	var raw, piped []time.Duration
	var peak, base uint64
	for range benchRuns {
		r := h.release("logs", "full-plan")
		entries := make([]release.LogEntry, len(lines))
		now := time.Now()
		for i, l := range lines {
			entries[i] = release.LogEntry{ReleaseID: r.ID, Seq: int64(i + 1), Phase: "plan", Time: now, Stream: release.Stdout, Text: l, DeploymentType: release.DeploymentRegular}
		}
		start := time.Now()
		// the obvious design: one row per line, COPY in 50,000-line batches
		for i := 0; i < len(entries); i += 50000 {
			batch := entries[i:min(i+50000, len(entries))]
			_, err := h.store.Pool().CopyFrom(context.Background(), pgx.Identifier{"bench_log_rows"},
				[]string{"release_id", "seq", "phase", "ts", "stream", "text", "deployment_type"},
				pgx.CopyFromSlice(len(batch), func(j int) ([]any, error) {
					e := &batch[j]
					return []any{e.ReleaseID, e.Seq, e.Phase, e.Time, string(e.Stream), e.Text, string(e.DeploymentType)}, nil
				}))
			if err != nil {
				b.Fatal(err)
			}
		}
		raw = append(raw, time.Since(start))
		entries = nil

		r2 := h.release("logs", "full-plan")
		runtime.GC()
		base = benchutil.HeapNow()
		stop := benchutil.SampleHeap(&peak)
		start = time.Now()
		lw := worker.NewLogWriter(h.store, r2.ID, 0, release.DeploymentRegular, worker.LogWriterOptions{})
		out := lw.Stream("plan", release.Stdout)
		for _, l := range lines {
			out.Write([]byte(l + "\n"))
		}
		out.Flush()
		if err := lw.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		piped = append(piped, time.Since(start))
		stop()
		n, err := h.store.LastLogSeq(context.Background(), r2.ID)
		if err != nil {
			b.Fatal(err)
		}
		if n != int64(len(lines)) {
			b.Fatalf("wrote %d lines, want %d", n, len(lines))
		}
	}
	mr, mp := benchutil.Median(raw), benchutil.Median(piped)
	fmt.Printf("\nlog pipeline, %d lines of a real 10,000-resource plan log (median of %d)\n", len(lines), benchRuns)
	fmt.Printf("  baseline: a row per line, COPY in 50,000-line batches     %9.0f lines/s  %v\n", float64(len(lines))/mr.Seconds(), benchutil.Runs(raw))
	fmt.Printf("  LogWriter -> store (line split, seq, chunked rows)      %9.0f lines/s  %v  (target >= 300,000)\n", float64(len(lines))/mp.Seconds(), benchutil.Runs(piped))
	fmt.Printf("  peak Go heap while piping: %.1f MB, of which %.1f MB the replayed input held by the benchmark\n", float64(peak)/1e6, float64(base)/1e6)
	b.ReportMetric(float64(len(lines))/mp.Seconds(), "lines/s")
}

func loadBenchLog(b *testing.B) []string {
	f, err := os.Open("../internal/plan/testdata/bench/plan-10k.log.gz")
	if err != nil {
		b.Fatalf("the benchmark log is missing (internal/plan/testdata/bench): %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return lines
}
