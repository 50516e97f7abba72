package testutil

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// HeapPeak samples the Go heap in use (runtime.MemStats.HeapInuse, bytes)
// every millisecond until stop is closed, then sends the highest sample on
// the returned channel. Memory-bound tests compare it with a baseline read
// before the load.
func HeapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var m runtime.MemStats
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// ResidentHWM is the process's resident-set high-water mark in bytes
// (VmHWM in /proc/self/status, see proc(5)); 0 where the system has none.
func ResidentHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
