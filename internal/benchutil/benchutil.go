// Package benchutil holds what shiplog's benchmarks share: medians, the
// lists of runs they print beside them, and peak-heap sampling.
package benchutil

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"runtime/metrics"
	"slices"
	"sync"
	"testing"
	"time"
)

// Median is the middle of ds (the upper middle for an even count).
func Median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// Millis is d in milliseconds.
func Millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Runs renders each run, in milliseconds below a second, in seconds above.
func Runs(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		if d < time.Second {
			out[i] = fmt.Sprintf("%.0fms", Millis(d))
		} else {
			out[i] = fmt.Sprintf("%.2fs", d.Seconds())
		}
	}
	return out
}

// HeapNow is the heap in use by objects (live and not yet collected).
func HeapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// SampleHeap records the highest HeapNow into *peak, every 2ms, until
// stop is called.
func SampleHeap(peak *uint64) (stop func()) {
	*peak = 0
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if v := HeapNow(); v > *peak {
				*peak = v
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// BenchPlan10k is the benchmarks' 10,000-change plan (real terraform
// 1.11.4 output, internal/plan/testdata/bench/README.md), relative to a
// package directory one below internal/ or worker/.
const BenchPlan10k = "../plan/testdata/bench/plan-10k.json.gz"

// BenchState10k is the state that plan was made against: one resource of
// 10,000 counted instances, state format version 4 (9.3 MB unpacked).
const BenchState10k = "../plan/testdata/bench/state-10k.tfstate.gz"

// ReadGzip reads and unpacks a gzip file of the benchmark inputs, failing
// the benchmark with what is missing when it cannot.
func ReadGzip(tb testing.TB, path string) []byte {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("a benchmark input is missing (internal/plan/testdata/bench): %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatalf("unpacking %s: %v", path, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("unpacking %s: %v", path, err)
	}
	return data
}
