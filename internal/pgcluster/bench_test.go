package pgcluster_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/pgcluster"
)

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

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
		os.Chmod(dir, 0o755)
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

		bin, _ := pgcluster.FindBinDir(ctx, "")
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
	fmt.Printf("  cold: initdb + start + create database   %6.0f ms  %v\n", ms(median(cold)), msList(cold))
	fmt.Printf("  warm: start an existing cluster          %6.0f ms  %v\n", ms(median(warm)), msList(warm))
	fmt.Printf("  baseline: pg_ctl start -w by hand        %6.0f ms  %v\n", ms(median(bare)), msList(bare))
	b.ReportMetric(ms(median(cold)), "cold-ms")
	b.ReportMetric(ms(median(warm)), "warm-ms")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func msList(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = fmt.Sprintf("%.0fms", ms(d))
	}
	return out
}
