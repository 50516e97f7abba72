package plan

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
)

// benchPlan is real `terraform show -json` output of 10,000 changes (see
// testdata/bench/README.md).
const benchPlan = "testdata/bench/plan-10k.json.gz"

var benchGz struct {
	once sync.Once
	data []byte
	err  error
}

// loadBenchPlan returns the compressed benchmark plan (read once) and its
// unpacked text (unpacked on each call, so that the caller can let go of
// it).
func loadBenchPlan(tb testing.TB) (gz, plain []byte) {
	tb.Helper()
	benchGz.once.Do(func() { benchGz.data, benchGz.err = os.ReadFile(benchPlan) })
	if benchGz.err != nil {
		tb.Fatalf("the benchmark plan is missing (internal/plan/testdata/bench): %v", benchGz.err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(benchGz.data))
	if err != nil {
		tb.Fatalf("unpacking %s: %v", benchPlan, err)
	}
	plain, err = io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("unpacking %s: %v", benchPlan, err)
	}
	return benchGz.data, plain
}

// parseAll reads every change with its fields, as a store would: through
// Open, two passes (an r that cannot seek is copied to a temporary file
// during the first).
func parseAll(tb testing.TB, r io.Reader) (changes, fields int) {
	pr, done := Open(r, tb.TempDir())
	defer done()
	for {
		c, err := pr.Next()
		if err == io.EOF {
			return changes, fields
		}
		if err != nil {
			tb.Fatal(err)
		}
		changes++
		fields += len(c.Fields)
	}
}

// timed runs f b.N times and returns each run's duration.
// parseOnce reads every change of the plan in r as the worker and the API
// read it (OpenOnce), and returns how many there were.
func parseOnce(tb testing.TB, r io.Reader) int {
	pr, done := OpenOnce(struct{ io.Reader }{r}, tb.TempDir())
	defer done()
	n := 0
	for {
		_, err := pr.Next()
		switch {
		case err == io.EOF:
			return n
		case errors.Is(err, ErrReread):
			n = 0
		case err != nil:
			tb.Fatal(err)
		default:
			n++
		}
	}
}

func timed(b *testing.B, f func()) []time.Duration {
	ds := make([]time.Duration, 0, b.N)
	for range b.N {
		start := time.Now()
		f()
		ds = append(ds, time.Since(start))
	}
	return ds
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// heapPeak is the peak heap of a run, above what was live before it.
type heapPeak struct {
	live  uint64 // highest live heap a GC measured (/gc/heap/live:bytes), run at GOGC=10
	inUse uint64 // highest heap object bytes sampled (/memory/classes/heap/objects:bytes), run at GOGC=100
}

// measurePeak runs f twice: once at GOGC=10, recording the live heap each
// GC marks (frequent GCs make its maximum close to the true peak of live
// memory, whatever GOGC the program runs with); once at GOGC=100, sampling
// the heap's object bytes (live and not yet collected) every 100µs, which
// is what a process at the default setting really holds.
func measurePeak(f func()) heapPeak {
	read := func(name string) uint64 {
		s := []metrics.Sample{{Name: name}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	run := func(gcPercent int, name string) uint64 {
		runtime.GC()
		runtime.GC()
		old := debug.SetGCPercent(gcPercent)
		defer debug.SetGCPercent(old)
		base := read(name)
		var peak uint64
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			t := time.NewTicker(100 * time.Microsecond)
			defer t.Stop()
			for {
				peak = max(peak, read(name))
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		f()
		close(stop)
		<-done
		peak = max(peak, read(name))
		if peak < base {
			return 0
		}
		return peak - base
	}
	return heapPeak{
		live:  run(10, "/gc/heap/live:bytes"),
		inUse: run(100, "/memory/classes/heap/objects:bytes"),
	}
}

// BenchmarkPlan compares shiplog's streaming parse + diff with decoding the
// whole plan into tfjson.Plan, and prints a table. Run it with
//
//	go test -run '^$' -bench . -benchtime 5x ./internal/plan/
//
// (-benchtime Nx: median of N runs each).
func BenchmarkPlan(b *testing.B) {
	gz, data := loadBenchPlan(b)
	size := len(data)
	const synthN = 100_000
	var base, ours, once, synth, gen []time.Duration
	var changes, fields, synthChanges, onceChanges int
	var synthSize int64

	b.Run("a-unmarshal-tfjson", func(b *testing.B) {
		base = timed(b, func() {
			var p tfjson.Plan
			if err := json.Unmarshal(data, &p); err != nil {
				b.Fatal(err)
			}
		})
		b.ReportMetric(float64(median(base).Milliseconds()), "ms/median")
	})
	b.Run("b-shiplog-parse-diff", func(b *testing.B) {
		ours = timed(b, func() { changes, fields = parseAll(b, bytes.NewReader(data)) })
		b.ReportMetric(float64(median(ours).Milliseconds()), "ms/median")
	})
	b.Run("b-shiplog-parse-diff-once", func(b *testing.B) {
		once = timed(b, func() { onceChanges = parseOnce(b, bytes.NewReader(data)) })
		b.ReportMetric(float64(median(once).Milliseconds()), "ms/median")
	})
	b.Run("generator-100k-synthetic", func(b *testing.B) {
		gen = timed(b, func() {
			if _, err := io.Copy(io.Discard, newSynthPlan(synthN)); err != nil {
				b.Fatal(err)
			}
		})
		b.ReportMetric(float64(median(gen).Milliseconds()), "ms/median")
	})
	b.Run("b-shiplog-100k-synthetic", func(b *testing.B) {
		synth = timed(b, func() {
			g := newSynthPlan(synthN)
			synthChanges, _ = parseAll(b, g)
			synthSize = g.size
		})
		b.ReportMetric(float64(median(synth).Milliseconds()), "ms/median")
	})
	if len(base) == 0 || len(ours) == 0 || len(once) == 0 || len(synth) == 0 || len(gen) == 0 {
		return // a -bench filter left some out
	}
	if onceChanges != changes {
		b.Fatalf("OpenOnce read %d changes, Open %d", onceChanges, changes)
	}
	peakBase := measurePeak(func() {
		var p tfjson.Plan
		if err := json.Unmarshal(data, &p); err != nil {
			b.Fatal(err)
		}
	})
	data = nil // from here on the input is streamed: let it go
	peak10k := measurePeak(func() {
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			b.Fatal(err)
		}
		parseAll(b, zr)
	})
	peak100k := measurePeak(func() { parseAll(b, newSynthPlan(synthN)) })

	mb := func(n uint64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
	ratio := func(d time.Duration) string {
		return fmt.Sprintf("%.1fx faster", float64(median(base))/float64(d))
	}
	w := os.Stdout
	fmt.Fprintf(w, "\nshiplog plan parsing: median of %d runs (GOMAXPROCS=%d, %s)\n", len(ours), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Fprintf(w, "%-44s %10s %14s %14s %16s\n", "", "median", "vs (a)", "peak live heap", "peak heap in use")
	fmt.Fprintf(w, "%-44s %10s %14s %14s %16s\n", fmt.Sprintf("(a) json.Unmarshal into tfjson.Plan, 10k"),
		median(base).Round(time.Millisecond), "1.0x", mb(peakBase.live), mb(peakBase.inUse))
	fmt.Fprintf(w, "%-44s %10s %14s %14s %16s\n", "(b) shiplog parse + diff, 10k",
		median(ours).Round(time.Millisecond), ratio(median(ours)), mb(peak10k.live), mb(peak10k.inUse))
	fmt.Fprintf(w, "%-44s %10s %14s\n", "(b) as stored: one reading (OpenOnce)",
		median(once).Round(time.Millisecond), ratio(median(once)))
	fmt.Fprintf(w, "%-44s %10s %14s %14s %16s\n", "(b) shiplog parse + diff, synthetic 100k",
		median(synth).Round(time.Millisecond), fmt.Sprintf("%.1fx (a)'s time", float64(median(synth))/float64(median(base))), mb(peak100k.live), mb(peak100k.inUse))
	fmt.Fprintf(w, "%-44s %10s\n", "    of which generating the 100k plan", median(gen).Round(time.Millisecond))
	fmt.Fprintf(w, "10k: %s, %d changes, %d fields (%.0f MB/s); 100k: %s generated on the fly, %d changes (%.0f MB/s with the generator)\n",
		mb(uint64(size)), changes, fields, float64(size)/1e6/median(ours).Seconds(),
		mb(uint64(synthSize)), synthChanges, float64(synthSize)/1e6/median(synth).Seconds())
	fmt.Fprintf(w, "peak live heap: max of /gc/heap/live:bytes over a run at GOGC=10, above the live heap before it (the 10k input is streamed from its gzip file for this);\n")
	fmt.Fprintf(w, "peak heap in use: max of /memory/classes/heap/objects:bytes sampled every 100µs over a run at GOGC=100, above the value before it.\n\n")
}

// synthPlan generates, lazily, a plan shaped like plan-10k.json (count
// terraform_data.svc with nested input, 90% updated and 10% deleted) with
// n resources. Nothing but the current piece is held.
type synthPlan struct {
	n     int
	phase int
	i     int
	buf   []byte
	off   int
	size  int64
}

func newSynthPlan(n int) *synthPlan { return &synthPlan{n: n} }

func (s *synthPlan) Read(p []byte) (int, error) {
	for s.off >= len(s.buf) {
		if !s.more() {
			return 0, io.EOF
		}
	}
	k := copy(p, s.buf[s.off:])
	s.off += k
	s.size += int64(k)
	return k, nil
}

// more generates the next piece into s.buf.
func (s *synthPlan) more() bool {
	s.buf, s.off = s.buf[:0], 0
	b := s.buf
	sep := func() {
		if s.i > 0 {
			b = append(b, ',')
		}
	}
	updated := s.n * 9 / 10
	switch s.phase {
	case 0:
		b = fmt.Appendf(b, `{"format_version":"1.2","terraform_version":"1.11.4","variables":{"gen":{"value":"2"},"n":{"value":"%d"}},"planned_values":{"root_module":{"resources":[`, updated)
		s.phase++
	case 1: // planned_values
		if s.i == updated {
			b = append(b, `]}},"resource_changes":[`...)
			s.phase, s.i = s.phase+1, 0
			break
		}
		sep()
		b = appendSynthResource(b, s.i, 2, false)
		s.i++
	case 2: // resource_changes
		if s.i == s.n {
			b = append(b, `],"prior_state":{"format_version":"1.0","terraform_version":"1.11.4","values":{"root_module":{"resources":[`...)
			s.phase, s.i = s.phase+1, 0
			break
		}
		sep()
		b = appendSynthChange(b, s.i, s.i < updated)
		s.i++
	case 3: // prior_state
		if s.i == s.n {
			b = append(b, `]}}},"configuration":{"root_module":{}},"timestamp":"2026-01-01T00:00:00Z","applyable":true,"complete":true,"errored":false}`...)
			s.phase, s.i = s.phase+1, 0
			break
		}
		sep()
		b = appendSynthResource(b, s.i, 1, true)
		s.i++
	default:
		return false
	}
	s.buf = b
	return true
}

func appendSynthInput(b []byte, i, gen int) []byte {
	b = fmt.Appendf(b, `{"image":"registry.example.com/team/app-%d:v%d","labels":{"gen":"%d","team":"t%d","tier":"backend"},"name":"svc-%d","ports":[8080,9090],"replicas":%d}`,
		i%50, gen, gen, i%7, i, i%5+1)
	return b
}

func appendSynthID(b []byte, i int) []byte {
	return fmt.Appendf(b, `"00000000-0000-0000-0000-%012x"`, i+1)
}

func appendSynthValues(b []byte, i, gen int, withOutput bool) []byte {
	b = append(b, `{"id":`...)
	b = appendSynthID(b, i)
	b = append(b, `,"input":`...)
	b = appendSynthInput(b, i, gen)
	if withOutput {
		b = append(b, `,"output":`...)
		b = appendSynthInput(b, i, gen)
	}
	return append(b, `,"triggers_replace":null}`...)
}

func appendSynthResource(b []byte, i, gen int, withOutput bool) []byte {
	b = fmt.Appendf(b, `{"address":"terraform_data.svc[%d]","mode":"managed","type":"terraform_data","name":"svc","index":%d,"provider_name":"terraform.io/builtin/terraform","schema_version":0,"values":`, i, i)
	b = appendSynthValues(b, i, gen, withOutput)
	b = append(b, `,"sensitive_values":{"input":{"labels":{},"ports":[false,false]},"output":{}}}`...)
	return b
}

func appendSynthChange(b []byte, i int, update bool) []byte {
	b = fmt.Appendf(b, `{"address":"terraform_data.svc[%d]","mode":"managed","type":"terraform_data","name":"svc","index":%d,"provider_name":"terraform.io/builtin/terraform","change":{"actions":`, i, i)
	if update {
		b = append(b, `["update"],"before":`...)
		b = appendSynthValues(b, i, 1, true)
		b = append(b, `,"after":`...)
		b = appendSynthValues(b, i, 2, false)
		b = append(b, `,"after_unknown":{"input":{"labels":{},"ports":[false,false]},"output":true},"before_sensitive":{"input":{"labels":{},"ports":[false,false]},"output":{"labels":{},"ports":[false,false]}},"after_sensitive":{"input":{"labels":{},"ports":[false,false]},"output":{}}}}`...)
		return b
	}
	b = append(b, `["delete"],"before":`...)
	b = appendSynthValues(b, i, 1, true)
	b = append(b, `,"after":null,"after_unknown":{},"before_sensitive":{"input":{"labels":{},"ports":[false,false]},"output":{"labels":{},"ports":[false,false]}},"after_sensitive":false},"action_reason":"delete_because_count_index"}`...)
	return b
}

// TestSynthPlan checks the generator: valid, and shaped like the real plan.
func TestSynthPlan(t *testing.T) {
	t.Parallel()
	g := newSynthPlan(10)
	data, err := io.ReadAll(g)
	if err != nil {
		t.Fatal(err)
	}
	var p tfjson.Plan
	p.UseJSONNumber(true)
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("invalid synthetic plan: %v", err)
	}
	res, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Update != 9 || res.Summary.Delete != 1 {
		t.Errorf("summary %+v", res.Summary)
	}
	// Same fields as the real plan's first change.
	_, real := loadBenchPlan(t)
	r := NewReader(bytes.NewReader(real))
	c, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dump(res.Changes[0].Fields), dump(c.Fields); got != want {
		t.Errorf("synthetic fields\n%s\nreal\n%s", got, want)
	}
	_ = strconv.Itoa
}
