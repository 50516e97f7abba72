package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// fuzzSeeds are small hand-made inputs around the parser's edges.
var fuzzSeeds = []string{
	``,
	`{}`,
	`[]`,
	`null`,
	`{"format_version": "1.2"}`,
	`{"format_version": "2.0", "planned_values": {}}`,
	`{"format_version": "1.0", "values": {}}`,
	`{"format_version": "1.2", "planned_values": {"a": [1, -2.5e+3, true, false, null, "\u00e9\n"]}}`,
	`{"format_version": "1.2", "resource_changes": [` + update + `]}`,
	`{"resource_changes": [` + update + `], "format_version": "1.2"}`,
	`{"format_version": "1.2", "resource_changes": [{"address": "a", "change": {"actions": ["delete", "create"],
	  "before": {"m": {"k.x": [1, {"z": null}]}, "s": "p"}, "after": {"m": {"k.x": [2]}, "s": {"t": []}},
	  "after_unknown": {"m": {"k.x": [false, true]}, "u": true}, "before_sensitive": {"s": true}, "after_sensitive": {"m": true},
	  "replace_paths": [["m", "k.x", 0]], "importing": {"id": "x"}}}]}`,
	`{"format_version": "1.2", "output_changes": {"o": {"actions": ["update"], "before": 1, "after": 1.0, "before_sensitive": true, "after_sensitive": false}}}`,
	`{"format_version": "1.2", "resource_drift": [{"address": "d", "change": {"actions": ["update"], "before": {"a": {"b": 1}}, "after": {"a": "x"}}}]}`,
	`{"format_version": "1.2", "resource_changes": [{"change": {"actions": ["update"], "before": {"b": 1, "a": 2, "a": 3}, "after": {"a": 3}}}]}`,
	"\xef\xbb\xbf{\"format_version\": \"1.0\", \"planned_values\": {}}",
	`{"format_version": "1.0", "planned_values": {}} x`,
	`{"format_version": "1.0", "planned_values": {"a": "\ud800\udc00\ud800"}}`,
	`{"format_version": "1.0", "resource_changes": [{"address": "\u0000\u001b[31m", "change": {"actions": ["create"], "after": {"k\"\\": "\u001b]0;x\u0007"}}}]}`,
}

func FuzzReader(f *testing.F) {
	for _, file := range corpusFiles(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	small, err := io.ReadAll(newSynthPlan(3))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)

	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Read(bytes.NewReader(data), WithMaxChangeSize(1<<20), WithMaxDepth(64))
		valid := json.Valid(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *Error: %v", err)
			}
			if e.Offset < 0 {
				t.Fatalf("offset %d out of range: %v", e.Offset, err)
			}
			if e.Offset > int64(len(data)) {
				t.Fatalf("offset %d out of range: %v", e.Offset, err)
			}
			if errors.Is(err, ErrSyntax) && valid {
				t.Fatalf("valid JSON rejected as invalid: %v", err)
			}
			return
		}
		if !valid {
			t.Fatalf("invalid JSON accepted")
		}
		for _, list := range [][]release.Change{res.Changes, res.OutputChanges, res.Drift} {
			for _, c := range list {
				for _, fl := range c.Fields {
					if fl.Sensitive && (fl.Before != nil || fl.After != nil) {
						t.Fatalf("%s: sensitive field %q carries values", c.Address, fl.Path)
					}
				}
			}
		}
		var out bytes.Buffer
		if err := RenderResult(res, NewJSONWriter(&out, RenderOptions{All: true})); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("invalid JSON output:\n%s", out.Bytes())
		}
		out.Reset()
		if err := RenderResult(res, NewTableWriter(&out, RenderOptions{All: true, Color: true})); err != nil {
			t.Fatal(err)
		}
		checkFastPath(t, data)
	})
}
