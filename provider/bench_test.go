package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Benchmarks print their figure next to a baseline measured in the same
// run. Run them with `make bench` (-benchtime 1x: each repeats itself).

const benchRuns = 5

// BenchmarkPlanReleaseLookups: `terraform plan` of a configuration with 50
// shiplog_release lookups (each a GET of a real release with its phases and
// artifacts), against the same configuration with none (the provider still
// starts and checks its token). The provider is the built shiplog binary,
// installed through dev_overrides, as a user runs it.
func BenchmarkPlanReleaseLookups(b *testing.B) {
	accEnv(b)
	f := newFixture(b)
	cliConfig := installProvider(b)
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	head := `terraform {
  required_providers {
    shiplog = { source = "shiplog-dev/shiplog" }
  }
}
provider "shiplog" {}
`
	configs := map[string]string{
		"none": head,
		"fifty": head + fmt.Sprintf(`
data "shiplog_release" "r" {
  count = 50
  id    = %d
}
output "statuses" {
  value = distinct(data.shiplog_release.r[*].status)
}
`, f.prod.ID),
	}
	times := map[string][]time.Duration{}
	for range benchRuns {
		for _, name := range []string{"none", "fifty"} {
			dir := b.TempDir()
			// the worker reads a dir source as the environment's uid: open it to others
			os.Chmod(filepath.Dir(dir), 0o755)
			os.Chmod(dir, 0o755)
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(configs[name]), 0o644); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			runTerraform(b, tf, dir, cliConfig, f.server, "plan", "-input=false", "-no-color", "-lock=false")
			times[name] = append(times[name], time.Since(start))
		}
	}
	m0, m50 := median(times["none"]), median(times["fifty"])
	fmt.Printf("\nterraform plan through the provider, against a real API server (median of %d)\n", benchRuns)
	fmt.Printf("  baseline: no lookups (provider start and token check)   %8.2fs  %v\n", m0.Seconds(), round(times["none"]))
	fmt.Printf("  50 shiplog_release lookups by id                        %8.2fs  %v\n", m50.Seconds(), round(times["fifty"]))
	fmt.Printf("  cost per lookup                                         %8.1fms\n", float64((m50-m0).Microseconds())/50/1000)
	b.ReportMetric(float64((m50-m0).Microseconds())/50/1000, "ms/lookup")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func round(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(10 * time.Millisecond)
	}
	return out
}
