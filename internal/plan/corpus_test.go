package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// corpusDir holds real `terraform show -json` outputs from several
// Terraform versions (hashicorp/terraform-json's test data, MPL-2.0: its
// LICENSE and NOTICE.md are beside them).
const corpusDir = "testdata/plans/terraform-json"

// corpusFiles returns the corpus plan files, failing the test when the
// corpus is missing: it must never be silently skipped.
func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil || len(files) == 0 {
		abs, err := filepath.Abs(corpusDir)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Fatalf("the plan corpus is missing: no *.json in %s (%v); it is kept in internal/plan/testdata/plans", abs, err)
	}
	return files
}

func TestCorpus(t *testing.T) {
	t.Parallel()
	for _, file := range corpusFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Read(bytes.NewReader(data))
			if filepath.Base(file) == "invalid.json" {
				if err == nil {
					t.Fatal("invalid.json was accepted")
				}
				if !errors.Is(err, ErrSyntax) {
					t.Fatalf("want a syntax error with an offset, got %v", err)
				}
				if Offset(err) <= 0 {
					t.Fatalf("want a syntax error with an offset, got %v", err)
				}
				if !strings.Contains(err.Error(), "after the end of the plan object") {
					t.Errorf("unclear message: %v", err)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Compare with encoding/json's reading of the whole plan.
			var want tfjson.Plan
			want.UseJSONNumber(true)
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatalf("terraform-json rejects it: %v", err)
			}
			if res.Header.FormatVersion != want.FormatVersion || res.Header.TerraformVersion != want.TerraformVersion {
				t.Errorf("header %+v, want %s/%s", res.Header, want.FormatVersion, want.TerraformVersion)
			}
			if len(res.Changes) != len(want.ResourceChanges) || len(res.Drift) != len(want.ResourceDrift) || len(res.OutputChanges) != len(want.OutputChanges) {
				t.Fatalf("got %d changes, %d drift, %d outputs; want %d, %d, %d",
					len(res.Changes), len(res.Drift), len(res.OutputChanges),
					len(want.ResourceChanges), len(want.ResourceDrift), len(want.OutputChanges))
			}
			// The hand-written decoder yields what encoding/json does.
			r := NewReader(bytes.NewReader(data))
			var ri, di int
			for {
				e, err := r.NextEntry()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				switch e.Kind {
				case release.KindResource:
					if !reflect.DeepEqual(e.Resource, want.ResourceChanges[ri]) {
						t.Errorf("resource_changes[%d] decodes differently:\n got %#v\nwant %#v", ri, e.Resource, want.ResourceChanges[ri])
					}
					ri++
				case release.KindDrift:
					if !reflect.DeepEqual(e.Resource, want.ResourceDrift[di]) {
						t.Errorf("resource_drift[%d] decodes differently", di)
					}
					di++
				case release.KindOutput:
					if !reflect.DeepEqual(e.Output, want.OutputChanges[e.OutputName]) {
						t.Errorf("output_changes[%q] decodes differently:\n got %#v\nwant %#v", e.OutputName, e.Output, want.OutputChanges[e.OutputName])
					}
				}
			}
			for _, c := range res.Changes {
				if c.Action == "" || c.Address == "" || c.Fields == nil {
					t.Errorf("incomplete change %+v", c)
				}
			}
			checkFastPath(t, data)
		})
	}
}

// checkFastPath checks that Next, which decodes values into a tree, yields
// what converting NextEntry's terraform-json values does (with plan-wide
// masking off, since the conversion of one entry knows no other).
func checkFastPath(t *testing.T, data []byte) {
	t.Helper()
	fast, slow := NewReader(bytes.NewReader(data)), NewReader(bytes.NewReader(data))
	fast.isolate = true
	for i := 0; ; i++ {
		got, err := fast.Next()
		e, err2 := slow.NextEntry()
		if err == io.EOF && err2 == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if err2 != nil {
			t.Fatalf("change %d: %v / %v", i, err, err2)
		}
		want, err := e.Change()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("change %d: Next gives\n%s\nconverting NextEntry gives\n%s", i, dump(got), dump(want))
		}
	}
}

func TestFastPathOnTheBenchPlan(t *testing.T) {
	t.Parallel()
	_, data := loadBenchPlan(t)
	checkFastPath(t, data)
}
