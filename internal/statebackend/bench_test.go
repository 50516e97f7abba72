package statebackend_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/benchutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

const benchRuns = 5

// BenchmarkState10k pushes and pulls the shared 10,000-resource state
// (9.3 MB) with real terraform (`terraform state push`, `state pull`)
// through shiplog's http backend (sealed state versions) and, as the
// baseline in the same run, through terraform's pg backend in the same
// database. Each run writes into a fresh environment / schema.
func BenchmarkState10k(b *testing.B) {
	tfPath, err := exec.LookPath("terraform")
	if err != nil {
		b.Fatal("terraform is not on PATH: run the benchmarks through `make bench`, which provides it")
	}
	state := loadState(b)
	st, dbURL := dbtest.StoreURL(b)
	statePath := filepath.Join(b.TempDir(), "state-10k.tfstate")
	if err := os.WriteFile(statePath, state, 0o600); err != nil {
		b.Fatal(err)
	}
	write := func(path, body string) {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	run := func(dir string, env []string, args ...string) time.Duration {
		cmd := exec.Command(tfPath, args...)
		cmd.Dir = dir
		cmd.Env = append([]string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + dir, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1"}, env...)
		cmd.Stdout = io.Discard
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return time.Since(start)
	}
	var pgPush, pgPull, httpPush, httpPull []time.Duration
	for i := range benchRuns {
		// baseline: terraform's pg backend
		dir := b.TempDir()
		write(filepath.Join(dir, "main.tf"), "terraform {\n  backend \"pg\" {}\n}\n")
		conn := strings.Replace(dbURL, "?", "?sslmode=disable&", 1)
		write(filepath.Join(dir, "backend.tfbackend"), fmt.Sprintf("conn_str = %q\nschema_name = \"bench_state_%d\"\n", conn, i))
		run(dir, nil, "init", "-input=false", "-backend-config=backend.tfbackend")
		pgPush = append(pgPush, run(dir, nil, "state", "push", statePath))
		pgPull = append(pgPull, run(dir, nil, "state", "pull"))

		// shiplog's http backend, for a release of a new environment
		env := &release.Environment{Name: fmt.Sprintf("bench-state-%d", i), Source: release.Source{Dir: dir}}
		if err := st.CreateEnvironment(b.Context(), env); err != nil {
			b.Fatal(err)
		}
		f := &fixture{t: b, store: st, env: env}
		srv := f.server(f.release())
		var tfEnv []string
		for k, v := range srv.Env() {
			tfEnv = append(tfEnv, k+"="+v)
		}
		dir = b.TempDir()
		write(filepath.Join(dir, "main.tf"), "terraform {\n  backend \"http\" {}\n}\n")
		run(dir, tfEnv, "init", "-input=false")
		httpPush = append(httpPush, run(dir, tfEnv, "state", "push", statePath))
		httpPull = append(httpPull, run(dir, tfEnv, "state", "pull"))
		if err := srv.Close(); err != nil {
			b.Fatal(err)
		}
		if v, _, err := st.LatestState(b.Context(), env.ID); err != nil || v == nil || v.Resources != 10000 {
			b.Fatalf("the pushed state was not stored whole: %+v %v", v, err)
		}
	}
	fmt.Printf("\nstate of 10,000 resources (%.1f MB) through terraform state push / pull (median of %d)\n", float64(len(state))/1e6, benchRuns)
	fmt.Printf("  baseline: pg backend       push %6.2fs %v   pull %6.2fs %v\n",
		benchutil.Median(pgPush).Seconds(), benchutil.Runs(pgPush), benchutil.Median(pgPull).Seconds(), benchutil.Runs(pgPull))
	fmt.Printf("  shiplog http backend       push %6.2fs %v   pull %6.2fs %v\n",
		benchutil.Median(httpPush).Seconds(), benchutil.Runs(httpPush), benchutil.Median(httpPull).Seconds(), benchutil.Runs(httpPull))
	fmt.Printf("  http / pg                  push %6.2fx                                 pull %6.2fx\n",
		benchutil.Median(httpPush).Seconds()/benchutil.Median(pgPush).Seconds(), benchutil.Median(httpPull).Seconds()/benchutil.Median(pgPull).Seconds())
	b.ReportMetric(benchutil.Median(httpPush).Seconds()/benchutil.Median(pgPush).Seconds(), "x-pg-push")
	b.ReportMetric(benchutil.Median(httpPull).Seconds()/benchutil.Median(pgPull).Seconds(), "x-pg-pull")
}

func loadState(b *testing.B) []byte {
	f, err := os.Open("../plan/testdata/bench/state-10k.tfstate.gz")
	if err != nil {
		b.Fatalf("the benchmark state is missing (internal/plan/testdata/bench): %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	return data
}
