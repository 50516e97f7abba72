package plan_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/benchutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
)

// stateFileConfig has what a state file writes differently from show
// -json: dynamic-typed attributes (terraform_data's input and output),
// sensitive values at nested paths and list positions, string and number
// instance keys (one needing quotes escaped), a module, a sensitive output.
const stateFileConfig = `
variable "pw" {
  type      = string
  sensitive = true
  default   = "hunter22-secret"
}
resource "terraform_data" "a" {
  input = { user = "bob", pw = var.pw, list = [1, var.pw], nested = { type = "string", value = "x" } }
}
resource "terraform_data" "b" {
  for_each = toset(["x", "q\"uote", "ünï"])
  input    = each.key
}
resource "terraform_data" "plain" {
  input = "not dynamic-looking"
}
module "m" {
  source = "./m"
}
output "o" { value = { greeting = "hello", n = 3 } }
output "s" {
  value     = var.pw
  sensitive = true
}
`

const stateFileModule = `
resource "terraform_data" "c" {
  count = 2
  input = count.index
}
`

// TestReadStateFileAgreesWithShowJSON applies a configuration with the real
// terraform and reads its terraform.tfstate with ReadStateFile and its
// `terraform show -json` with ReadState: the same resources, values and
// outputs, and at least the same sensitive paths.
func TestReadStateFileAgreesWithShowJSON(t *testing.T) {
	t.Parallel()
	w := newWorkdir(t)
	w.write("main.tf", stateFileConfig)
	if err := os.MkdirAll(filepath.Join(w.dir, "m"), 0o755); err != nil {
		t.Fatal(err)
	}
	w.write("m/main.tf", stateFileModule)
	w.run(nil, "init", "-input=false")
	w.run(nil, "apply", "-auto-approve", "-input=false")
	shown := w.run(nil, "show", "-json")
	file, err := os.ReadFile(filepath.Join(w.dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	all := func(string) bool { return true }
	want, err := plan.ReadState(bytes.NewReader(shown), all, nil)
	if err != nil {
		t.Fatalf("ReadState: %v", err)
	}
	got, err := plan.ReadStateFile(bytes.NewReader(file), all, nil)
	if err != nil {
		t.Fatalf("ReadStateFile: %v", err)
	}
	wantAddrs := slices.Sorted(maps.Keys(want.Resources))
	gotAddrs := slices.Sorted(maps.Keys(got.Resources))
	if !reflect.DeepEqual(gotAddrs, wantAddrs) {
		t.Fatalf("addresses: state file %q, show -json %q", gotAddrs, wantAddrs)
	}
	for _, addr := range wantAddrs {
		if !reflect.DeepEqual(got.Resources[addr].Values, want.Resources[addr].Values) {
			t.Errorf("%s values: state file %#v, show -json %#v", addr, got.Resources[addr].Values, want.Resources[addr].Values)
		}
		gotMarked, wantMarked := markedPaths(got.Resources[addr].Sensitive, ""), markedPaths(want.Resources[addr].Sensitive, "")
		for _, p := range wantMarked {
			if !slices.Contains(gotMarked, p) {
				t.Errorf("%s: show -json marks %s sensitive, the state file reading does not (it marks %q)", addr, p, gotMarked)
			}
		}
	}
	for _, p := range []string{".input.pw", ".input.list[1]"} {
		if !slices.Contains(markedPaths(got.Resources["terraform_data.a"].Sensitive, ""), p) {
			t.Errorf("terraform_data.a: %s is not marked sensitive", p)
		}
	}
	if !reflect.DeepEqual(got.Outputs, want.Outputs) {
		t.Errorf("outputs: state file %+v, show -json %+v", got.Outputs, want.Outputs)
	}
	if len(got.Outputs) != 2 || !got.Outputs[1].Sensitive || got.Outputs[1].Value != nil {
		t.Errorf("output s should be sensitive with no value: %+v", got.Outputs)
	}
}

// TestReadStateFileKeepsOnlyWanted: resources want refuses are not kept.
func TestReadStateFileKeepsOnlyWanted(t *testing.T) {
	t.Parallel()
	doc := `{"version": 4, "serial": 1, "lineage": "x", "outputs": {},
	  "resources": [
	    {"mode": "managed", "type": "terraform_data", "name": "a", "instances": [{"attributes": {"id": "1"}, "sensitive_attributes": []}]},
	    {"mode": "data", "type": "terraform_data", "name": "d", "instances": [{"attributes": {"id": "2"}}]},
	    {"module": "module.x[\"k\"]", "mode": "managed", "type": "t", "name": "n", "instances": [
	      {"index_key": 3, "attributes": {"id": "3"}},
	      {"index_key": 3, "deposed": "abcd", "attributes": {"id": "old"}}]}
	  ]}`
	wanted := map[string]bool{"data.terraform_data.d": true, `module.x["k"].t.n[3]`: true}
	st, err := plan.ReadStateFile(strings.NewReader(doc), func(a string) bool { return wanted[a] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Resources) != 2 {
		t.Fatalf("kept %d resources, want 2: %v", len(st.Resources), st.Resources)
	}
	if v := st.Resources[`module.x["k"].t.n[3]`].Values; !reflect.DeepEqual(v, map[string]any{"id": "3"}) {
		t.Errorf("the current object's values should be kept, not the deposed one's: %v", v)
	}
}

// TestReadStateFileRefusesOtherFormats: bad input says what is wrong.
func TestReadStateFileRefusesOtherFormats(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ doc, want string }{
		"version 3":    {`{"version": 3, "modules": []}`, "format version 3"},
		"no version":   {`{"resources": []}`, "no format version"},
		"not json":     {`{"version": 4,`, "reading the state file"},
		"bad sens":     {`{"version": 4, "resources": [{"mode": "managed", "type": "t", "name": "n", "instances": [{"attributes": {}, "sensitive_attributes": [[{"type": "fly", "value": 1}]]}]}]}`, `unknown path step type "fly"`},
		"show -json":   {`{"format_version": "1.0", "values": {}}`, "no format version"},
		"bad index":    {`{"version": 4, "resources": [{"mode": "managed", "type": "t", "name": "n", "instances": [{"index_key": true, "attributes": {}}]}]}`, "index_key"},
		"not a object": {`[]`, "expected"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := plan.ReadStateFile(strings.NewReader(tc.doc), func(string) bool { return true }, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// markedPaths lists the paths where marks holds true (".a.b", "[1]").
func markedPaths(marks any, at string) []string {
	switch m := marks.(type) {
	case bool:
		if m {
			return []string{at}
		}
	case map[string]any:
		var out []string
		for k, v := range m {
			out = append(out, markedPaths(v, at+"."+k)...)
		}
		return out
	case []any:
		var out []string
		for i, v := range m {
			out = append(out, markedPaths(v, fmt.Sprintf("%s[%d]", at, i))...)
		}
		return out
	}
	return nil
}

// TestReadStateFileHoldsOneInstance reads the 10,000-instance state of the
// benchmarks (one resource, 9.3 MB) keeping three instances: the heap
// grows by far less than the document, which is only streamed. The
// collector runs often here (GOGC 5) so that garbage awaiting collection,
// which grows with the heap the test holds, is not counted as held.
func TestReadStateFileHoldsOneInstance(t *testing.T) {
	data := benchutil.ReadGzip(t, benchutil.BenchState10k)
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	wanted := map[string]bool{"terraform_data.svc[0]": true, "terraform_data.svc[5000]": true, "terraform_data.svc[9999]": true}
	runtime.GC()
	var peak uint64
	before := benchutil.HeapNow()
	stop := benchutil.SampleHeap(&peak)
	st, err := plan.ReadStateFile(bytes.NewReader(data), func(a string) bool { return wanted[a] }, nil)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Resources) != 3 {
		t.Fatalf("kept %d instances, want 3", len(st.Resources))
	}
	v, _ := st.Resources["terraform_data.svc[9999]"].Values.(map[string]any)
	if in, _ := v["input"].(map[string]any); in["name"] != "svc-9999" {
		t.Errorf("svc[9999] input %#v, want the unwrapped object named svc-9999", v["input"])
	}
	if grew := peak - min(peak, before); grew > uint64(len(data))/4 {
		t.Errorf("reading the state grew the heap by %d bytes: more than a quarter of the %d-byte document, which should only be streamed", grew, len(data))
	}
}

// BenchmarkReadStateFile10k: reading the applied values of 1,000 of the
// 10,000 instances from the state file, against json.Unmarshal of the
// whole file into any (the least a reader holding it must do), in one run.
func BenchmarkReadStateFile10k(b *testing.B) {
	data := benchutil.ReadGzip(b, benchutil.BenchState10k)
	wanted := map[string]bool{}
	for i := range 1000 {
		wanted[fmt.Sprintf("terraform_data.svc[%d]", i*10)] = true
	}
	const runs = 5
	var base, read []time.Duration
	var peakBase, peakRead uint64
	for range runs {
		runtime.GC()
		before := benchutil.HeapNow()
		var peak uint64
		stop := benchutil.SampleHeap(&peak)
		start := time.Now()
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			b.Fatal(err)
		}
		base = append(base, time.Since(start))
		stop()
		peakBase = max(peakBase, peak-min(peak, before))
		doc = nil

		runtime.GC()
		before = benchutil.HeapNow()
		peak = 0
		stop = benchutil.SampleHeap(&peak)
		start = time.Now()
		st, err := plan.ReadStateFile(bytes.NewReader(data), func(a string) bool { return wanted[a] }, nil)
		read = append(read, time.Since(start))
		stop()
		if err != nil || len(st.Resources) != 1000 {
			b.Fatalf("read %v, %v", st, err)
		}
		peakRead = max(peakRead, peak-min(peak, before))
	}
	mb, mr := benchutil.Median(base), benchutil.Median(read)
	fmt.Printf("\napplied values from a state file, state-10k.tfstate (%.1f MB, 10,000 instances, 1,000 wanted; median of %d)\n", float64(len(data))/1e6, runs)
	fmt.Printf("  baseline: json.Unmarshal of the whole file into any  %6.0f ms  peak heap %5.1f MB  %v\n", benchutil.Millis(mb), float64(peakBase)/1e6, benchutil.Runs(base))
	fmt.Printf("  plan.ReadStateFile (streamed)                         %6.0f ms  peak heap %5.1f MB  %v\n", benchutil.Millis(mr), float64(peakRead)/1e6, benchutil.Runs(read))
	b.ReportMetric(mr.Seconds()/mb.Seconds(), "x-unmarshal")
}
