package pgcluster_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/benchutil"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/pgcluster"
)

// BenchmarkStart: how long `shiplog` waits for its embedded database, cold
// (initdb, start, create the database) and warm (start an existing cluster),
// against pg_ctl start of the same cluster run by hand.
func BenchmarkStart(b *testing.B) {
	ctx := context.Background()
	const runs = 5
	var cold, warm, bare []time.Duration
	for range runs {
		dir, err := os.MkdirTemp("", "shiplog-pgb-")
		if err != nil {
			b.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			b.Error(err)
		}
		start := time.Now()
		c, err := pgcluster.Start(ctx, pgcluster.Config{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		cold = append(cold, time.Since(start))
		c.Close(ctx)

		start = time.Now()
		c, err = pgcluster.Start(ctx, pgcluster.Config{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		warm = append(warm, time.Since(start))
		c.Close(ctx)

		bin, err := pgcluster.FindBinDir(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(filepath.Join(bin, "pg_ctl"), "start", "-D", filepath.Join(dir, "data"), "-w", "-s", "-l", filepath.Join(dir, "bare.log"))
		stop := exec.Command(filepath.Join(bin, "pg_ctl"), "stop", "-D", filepath.Join(dir, "data"), "-m", "fast", "-w", "-s")
		if st, err := os.Stat(filepath.Join(dir, "data")); err == nil && os.Geteuid() == 0 {
			// as the cluster's owner, as shiplog runs it
			s := st.Sys().(*syscall.Stat_t)
			cred := &syscall.Credential{Uid: s.Uid, Gid: s.Gid}
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
			stop.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		start = time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("pg_ctl start: %v %s", err, out)
		}
		bare = append(bare, time.Since(start))
		stop.Run()
		os.RemoveAll(dir)
	}
	fmt.Printf("\nembedded PostgreSQL start (median of %d)\n", runs)
	fmt.Printf("  cold: initdb + start + create database   %6.0f ms  %v\n", benchutil.Millis(benchutil.Median(cold)), benchutil.Runs(cold))
	fmt.Printf("  warm: start an existing cluster          %6.0f ms  %v\n", benchutil.Millis(benchutil.Median(warm)), benchutil.Runs(warm))
	fmt.Printf("  baseline: pg_ctl start -w by hand        %6.0f ms  %v\n", benchutil.Millis(benchutil.Median(bare)), benchutil.Runs(bare))
	b.ReportMetric(benchutil.Millis(benchutil.Median(cold)), "cold-ms")
	b.ReportMetric(benchutil.Millis(benchutil.Median(warm)), "warm-ms")
}
