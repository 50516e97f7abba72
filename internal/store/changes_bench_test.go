package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/benchutil"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// BenchmarkIngestPlan is the plan issue's figure (c): parse + diff + store
// the 10,000-change plan into PostgreSQL, against (a) json.Unmarshal of the
// whole file into tfjson.Plan, both in this run (median of 5).
func BenchmarkIngestPlan(b *testing.B) {
	data := benchutil.ReadGzip(b, benchutil.BenchPlan10k)
	ctx := context.Background()
	s := dbtest.Store(b)
	newEnvTB(b, s, "bench")
	const runs = 5
	var base, ingest, storeOnly []time.Duration
	var peak, before uint64
	for range runs {
		runtime.GC()
		start := time.Now()
		var p tfjson.Plan
		if err := json.Unmarshal(data, &p); err != nil {
			b.Fatal(err)
		}
		base = append(base, time.Since(start))
		if len(p.ResourceChanges) != 10000 {
			b.Fatalf("baseline parsed %d changes", len(p.ResourceChanges))
		}
		p = tfjson.Plan{}

		r := newReleaseTB(b, s, "bench")
		runtime.GC()
		before = benchutil.HeapNow()
		stop := benchutil.SampleHeap(&peak)
		start = time.Now()
		// As the worker and the API read it: a stream that cannot seek,
		// copied to a temporary file as plan.OpenOnce reads it.
		rd, done := plan.OpenOnce(struct{ io.Reader }{bytes.NewReader(data)}, b.TempDir())
		sum, err := s.ReplaceChanges(ctx, r.ID, "plan", rd)
		done()
		ingest = append(ingest, time.Since(start))
		stop()
		if err != nil {
			b.Fatal(err)
		}
		if sum.Update != 9000 {
			b.Fatalf("summary %+v", sum)
		}
		if sum.Delete != 1000 {
			b.Fatalf("summary %+v", sum)
		}

		// what the database alone costs: the same changes, parsed beforehand
		// (and let go after, so that no run's collector carries them)
		storeOnly = append(storeOnly, storeParsed(b, s, data))
	}
	ma, mc := benchutil.Median(base), benchutil.Median(ingest)
	fmt.Printf("\nplan ingestion into PostgreSQL, plan-10k.json (%.1f MB, 10,000 changes; median of %d)\n", float64(len(data))/1e6, runs)
	fmt.Printf("  (a) baseline: json.Unmarshal into tfjson.Plan     %7.0f ms  %v\n", benchutil.Millis(ma), benchutil.Runs(base))
	fmt.Printf("  (c) shiplog parse + diff + store (one COPY tx)    %7.0f ms  %v\n", benchutil.Millis(mc), benchutil.Runs(ingest))
	fmt.Printf("  of which the database: the same changes pre-parsed  %7.0f ms  %v\n", benchutil.Millis(benchutil.Median(storeOnly)), benchutil.Runs(storeOnly))
	fmt.Printf("  (c)/(a)                                           %7.2f    (target <= 0.35, issue 20)\n", mc.Seconds()/ma.Seconds())
	fmt.Printf("  peak Go heap during (c): %.1f MB above the %.1f MB input held by the benchmark (target <= 64 MB)\n",
		float64(peak-min(peak, before))/1e6, float64(len(data))/1e6)
	b.ReportMetric(mc.Seconds()/ma.Seconds(), "c/a")
}

// storeParsed stores the changes of the plan in data, parsed beforehand,
// into a new release and returns how long the store took.
func storeParsed(b *testing.B, s *store.Store, data []byte) time.Duration {
	parsed, err := plan.Read(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	r := newReleaseTB(b, s, "bench")
	runtime.GC()
	start := time.Now()
	if _, err := s.ReplaceChanges(context.Background(), r.ID, "plan", &sliceSource{cs: parsed.Changes}); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
