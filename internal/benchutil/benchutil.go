// Package benchutil holds what shiplog's benchmarks share: medians, the
// lists of runs they print beside them, and peak-heap sampling.
package benchutil

import (
	"fmt"
	"runtime/metrics"
	"slices"
	"sync"
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
