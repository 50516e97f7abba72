package plan_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// readAll reads every change of rd as a consumer that can start over
// does: ErrReread drops what was read. It returns the changes, the
// header, and how many times it started over.
func readAll(t *testing.T, rd *plan.Reader) (cs []release.Change, h plan.Header, rereads int) {
	t.Helper()
	for {
		c, err := rd.Next()
		switch {
		case err == io.EOF:
			return cs, rd.Header(), rereads
		case errors.Is(err, plan.ErrReread):
			cs, rereads = nil, rereads+1
			if rereads > 1 {
				t.Fatal("ErrReread came twice")
			}
		case err != nil:
			t.Fatal(err)
		default:
			cs = append(cs, c)
		}
	}
}

// onceCases are the corpus plans, the plan whose secret is marked only
// after an unmarked copy of it (once marked in before_sensitive, once in
// prior_state only), and the benchmark plan.
func onceCases(t *testing.T) map[string][]byte {
	t.Helper()
	cases := map[string][]byte{}
	files, err := filepath.Glob("testdata/plans/*/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no plans in testdata/plans: %v", err)
	}
	for _, f := range append(files, beforeOnly) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases[f] = data
	}
	cases["prior_state only"] = []byte(strings.Replace(string(cases[beforeOnly]),
		`"before_sensitive": {"input": true, "output": true}`, `"before_sensitive": {}`, 1))
	gz, err := os.ReadFile("testdata/bench/plan-10k.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if cases["bench plan-10k"], err = io.ReadAll(zr); err != nil {
		t.Fatal(err)
	}
	return cases
}

// OpenOnce returns what Open returns, for every plan: the same changes,
// equally masked, and the same header; it reads the plan a second time
// only when a text is marked after changes that may show it.
func TestOpenOnceReadsAsOpen(t *testing.T) {
	t.Parallel()
	for name, data := range onceCases(t) {
		if strings.HasSuffix(name, "invalid.json") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rd, done := plan.Open(onlyReader{bytes.NewReader(data)}, t.TempDir())
			want, wantHeader, _ := readAll(t, rd)
			done()
			rd, done = plan.OpenOnce(onlyReader{bytes.NewReader(data)}, t.TempDir())
			got, gotHeader, rereads := readAll(t, rd)
			done()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("OpenOnce's changes differ from Open's:\n%+v\n%+v", got, want)
			}
			if !reflect.DeepEqual(gotHeader, wantHeader) {
				t.Errorf("OpenOnce's header %+v, Open's %+v", gotHeader, wantHeader)
			}
			late := name == beforeOnly || name == "prior_state only"
			if late && rereads != 1 {
				t.Errorf("the secret is marked after its copy, and OpenOnce read the plan %d time(s) more, want 1", rereads)
			}
			if name == "bench plan-10k" && rereads != 0 {
				t.Errorf("a plan with no sensitive value was read %d time(s) more, want 0", rereads)
			}
			if late {
				for _, c := range got {
					if s := strings.Join(fieldTexts(c), " "); strings.Contains(s, "Pq77") {
						t.Errorf("%s shows the secret: %s", c.Address, s)
					}
				}
			}
		})
	}
}

// fieldTexts is every value of c's fields, as text.
func fieldTexts(c release.Change) []string {
	var out []string
	for _, f := range c.Fields {
		for _, v := range []any{f.Before, f.After} {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// A caller's secret (WithSecrets) is known from the start: it never makes
// OpenOnce read again, and masks every copy.
func TestOpenOnceWithCallerSecrets(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(beforeOnly)
	if err != nil {
		t.Fatal(err)
	}
	// Unmarked everywhere but by the caller.
	text := strings.NewReplacer(
		`"before_sensitive": {"input": true, "output": true}`, `"before_sensitive": {}`,
		`"sensitive_values": {"input": true, "output": true}`, `"sensitive_values": {}`).Replace(string(data))
	rd, done := plan.OpenOnce(onlyReader{strings.NewReader(text)}, t.TempDir(), plan.WithSecrets([]string{beforeSecret}))
	defer done()
	cs, _, rereads := readAll(t, rd)
	if rereads != 0 {
		t.Errorf("a secret the caller gave made OpenOnce read the plan %d time(s) more, want 0", rereads)
	}
	for _, c := range cs {
		if s := strings.Join(fieldTexts(c), " "); strings.Contains(s, "Pq77") {
			t.Errorf("%s shows the caller's secret: %s", c.Address, s)
		}
	}
}

// OpenOnce spools an input it cannot seek as Open does (mode 0600, removed
// by done) and reports a broken plan.
func TestOpenOnceSpool(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(beforeOnly)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rd, done := plan.OpenOnce(onlyReader{bytes.NewReader(data[:len(data)/2])}, dir)
	var last error
	for last == nil {
		_, last = rd.Next()
	}
	if !errors.Is(last, plan.ErrSyntax) {
		t.Errorf("half a plan: Next ended with %v, want a syntax error", last)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("the copy %s: %v, mode %v, want 0600", f, err, fi.Mode().Perm())
		}
	}
	done()
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("done left %v", left)
	}
}

// The plan's checks, read before the text they show is marked (in
// prior_state, after them), are masked too: OpenOnce reads the plan again
// though it returned no change before the mark.
func TestOpenOnceMasksNotesReadBeforeAMark(t *testing.T) {
	t.Parallel()
	const text = `{"format_version":"1.2","terraform_version":"1.11.4",
 "checks":[{"address":{"kind":"check","to_display":"check.c[\"topsecret-EEEE\"]"},"status":"fail",
   "instances":[{"address":{"to_display":"check.c[\"topsecret-EEEE\"]"},"status":"fail","problems":[{"message":"password topsecret-EEEE is weak"}]}]}],
 "prior_state":{"values":{"root_module":{"resources":[{"address":"terraform_data.s","values":{"input":"topsecret-EEEE"},"sensitive_values":{"input":true}}]}}},
 "resource_changes":[]}`
	rd, done := plan.OpenOnce(onlyReader{strings.NewReader(text)}, t.TempDir())
	defer done()
	_, h, rereads := readAll(t, rd)
	if rereads != 1 {
		t.Errorf("read again %d time(s), want 1", rereads)
	}
	if len(h.FailedChecks) == 0 {
		t.Fatalf("no failed check read: %+v", h)
	}
	if s := fmt.Sprintf("%+v", h.FailedChecks); strings.Contains(s, "EEEE") {
		t.Errorf("the failed checks show the secret: %s", s)
	}
}
