package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

const update = `{"address": "terraform_data.a", "mode": "managed", "type": "terraform_data", "name": "a", "provider_name": "terraform.io/builtin/terraform",
  "change": {"actions": ["update"], "before": {"input": "x"}, "after": {"input": "y"}, "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}}`

// readAll reads every change, returning them and the first error (nil at
// io.EOF).
func readAll(r *Reader) ([]release.Change, error) {
	var cs []release.Change
	for {
		c, err := r.Next()
		if err == io.EOF {
			return cs, nil
		}
		if err != nil {
			return cs, err
		}
		cs = append(cs, c)
	}
}

func TestReaderAccepts(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"minimal":               `{"format_version": "1.2", "planned_values": {}}`,
		"0.1":                   `{"format_version": "0.1", "resource_changes": []}`,
		"1.99":                  `{"format_version": "1.99", "resource_changes": null}`,
		"major only":            `{"format_version": "1", "planned_values": {}}`,
		"patch":                 `{"format_version": "1.2.3", "planned_values": {}}`,
		"unknown keys":          `{"format_version": "1.2", "future": {"x": [1, {"y": null}]}, "planned_values": {}, "z": "\u00e9\ud83d\ude00"}`,
		"white space":           " \n\t{ \"format_version\" : \"1.0\" , \"output_changes\" : { } } \n",
		"utf-8 bom":             "\xef\xbb\xbf" + `{"format_version": "1.0", "planned_values": {}}`,
		"escaped key":           `{"format_\u0076ersion": "1.0", "planned_values": {}}`,
		"version at the end":    `{"resource_changes": [` + update + `], "format_version": "1.2"}`,
		"big numbers and depth": `{"format_version": "1.2", "planned_values": [[[[[[1e400, -0.0, 123456789012345678901234567890]]]]]]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Read(strings.NewReader(in)); err != nil {
				t.Fatal(err)
			}
			// Byte by byte, with a data+error last read.
			if _, err := Read(iotest.DataErrReader(iotest.OneByteReader(strings.NewReader(in)))); err != nil {
				t.Fatalf("one byte at a time: %v", err)
			}
		})
	}
}

func TestReaderRejects(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, in string
		kind     error
		offset   int64
		msg      string
	}{
		{"empty", "", ErrNotPlan, 0, "empty input"},
		{"blank", "  \n", ErrNotPlan, 0, "empty input"},
		{"array", `[1]`, ErrNotPlan, 0, "a JSON array, not an object"},
		{"string", ` "x"`, ErrNotPlan, 1, "a JSON string, not an object"},
		{"garbage", `hello`, ErrSyntax, 0, "unexpected a letter"},
		{"utf-16", "\xff\xfe{\x00", ErrNotPlan, 0, "UTF-16"},
		{"random JSON", `{"a": 1}`, ErrNotPlan, 8, "no format_version"},
		{"empty state", `{"format_version": "1.0"}`, ErrNotPlan, 25, "not a plan"},
		{"state", `{"format_version": "1.0", "terraform_version": "1.11.4", "values": {"root_module": {}}}`, ErrNotPlan, 57, "state JSON"},
		{"raw state", `{"version": 4, "terraform_version": "1.11.4", "serial": 3, "lineage": "x", "resources": []}`, ErrNotPlan, 46, "raw Terraform state"},
		{"format 2", `{"format_version": "2.0", "resource_changes": [` + update + `]}`, ErrUnsupportedVersion, 19, `format_version "2.0"`},
		{"format 0.0", `{"format_version": "0.0", "planned_values": {}}`, ErrUnsupportedVersion, 19, "0.1 to 1.x"},
		{"format junk", `{"format_version": "abc", "planned_values": {}}`, ErrNotPlan, 19, "not a version number"},
		{"format number", `{"format_version": 1.0, "planned_values": {}}`, ErrNotPlan, 19, "format_version is a number, want a string"},
		{"format too long", `{"format_version": "` + strings.Repeat("1", 300) + `"}`, ErrNotPlan, 19, "longer than"},
		{"format twice", `{"format_version": "1.0", "format_version": "1.0"}`, ErrNotPlan, 26, "appears twice"},
		{"changes twice", `{"format_version": "1.0", "resource_changes": [], "resource_changes": []}`, ErrNotPlan, 50, "appears twice"},
		{"truncated", `{"format_version": "1.0", "planned_values": {"a": [1, 2`, ErrSyntax, 55, "unexpected end of input"},
		{"truncated in a change", `{"format_version": "1.0", "resource_changes": [{"address": "x`, ErrSyntax, 61, "unexpected end of input in a string"},
		{"truncated after the object", `{"format_version": "1.0", "planned_values": {}`, ErrSyntax, 46, "unexpected end of input"},
		{"trailing data", `{"format_version": "1.0", "planned_values": {}} {}`, ErrSyntax, 48, "after the end of the plan object"},
		{"trailing comma", `{"format_version": "1.0", "planned_values": {"a": 1,}}`, ErrSyntax, 52, "object key"},
		{"trailing comma in changes", `{"format_version": "1.0", "resource_changes": [` + update + `,]}`, ErrSyntax, -1, "looking for a value"},
		{"bad literal", `{"format_version": "1.0", "planned_values": tru}`, ErrSyntax, 47, "invalid literal"},
		{"bad number", `{"format_version": "1.0", "planned_values": 01}`, ErrSyntax, 45, "a digit after a value"},
		{"bad escape", `{"format_version": "1.0", "planned_values": "\q"}`, ErrSyntax, 46, "invalid escape"},
		{"control char", "{\"format_version\": \"1.0\", \"planned_values\": \"a\x01\"}", ErrSyntax, 46, "control character"},
		{"resource_changes not an array", `{"format_version": "1.0", "resource_changes": {}}`, ErrNotPlan, 46, "resource_changes is an object, want an array"},
		{"change not an object", `{"format_version": "1.0", "resource_changes": [1]}`, ErrNotPlan, 47, "resource_changes[0] is a number, want an object"},
		{"address not a string", `{"format_version": "1.0", "resource_changes": [{"address": 5}]}`, ErrNotPlan, 59, "resource_changes[0].address is a number, want a string"},
		{"actions not strings", `{"format_version": "1.0", "resource_changes": [{"change": {"actions": [1]}}]}`, ErrNotPlan, 71, "change.actions[] is a number"},
		{"no change", `{"format_version": "1.0", "resource_changes": [{"address": "a"}]}`, ErrNotPlan, 47, `"a" has no change`},
		{"empty action name", `{"format_version": "1.0", "resource_changes": [{"address": "a", "change": {"actions": [""]}}]}`, ErrNotPlan, 47, `action "" is not an action name`},
		{"output not an object", `{"format_version": "1.0", "output_changes": {"o": "secret-value"}}`, ErrNotPlan, 50, `output_changes["o"] is a string, want an object`},
		{"version after changes", `{"resource_changes": [` + update + `], "format_version": "3.0"}`, ErrUnsupportedVersion, -1, `format_version "3.0"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error kind: got %v, want %v", err, tt.kind)
			}
			if tt.offset >= 0 && Offset(err) != tt.offset {
				t.Errorf("offset %d, want %d: %v", Offset(err), tt.offset, err)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "byte offset") {
				t.Errorf("message %q does not say %q and where", err, tt.msg)
			}
			if strings.Contains(err.Error(), "secret-value") {
				t.Errorf("the error quotes a value: %v", err)
			}
		})
	}
}

func TestReaderStreamsInOrder(t *testing.T) {
	t.Parallel()
	in := `{"format_version": "1.2", "terraform_version": "1.11.4",
	  "resource_drift": [{"address": "d", "mode": "managed", "change": {"actions": ["update"], "before": {"a": 1}, "after": {"a": 2}}}],
	  "resource_changes": [` + update + `, {"address": "b", "change": {"actions": ["no-op"]}}],
	  "output_changes": {"o": {"actions": ["create"], "before": null, "after": "v", "after_unknown": false, "before_sensitive": false, "after_sensitive": false}},
	  "prior_state": {"values": {"root_module": {}}}, "configuration": {"root_module": {}}, "timestamp": "2025-01-01T00:00:00Z", "errored": false}`
	r := NewReader(strings.NewReader(in))
	cs, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, string(c.Kind)+":"+c.Address+":"+string(c.Action))
	}
	want := []string{"drift:d:update", "resource:terraform_data.a:update", "resource:b:no-op", "output:output.o:create"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v, want %v", got, want)
	}
	if h := r.Header(); !reflect.DeepEqual(h, Header{FormatVersion: "1.2", TerraformVersion: "1.11.4", Timestamp: "2025-01-01T00:00:00Z"}) {
		t.Errorf("header %+v", h)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("after the end: %v", err)
	}
	if r.Offset() != int64(len(in)) {
		t.Errorf("offset %d, want %d", r.Offset(), len(in))
	}
}

func TestVersionCheckedFirstWhenFirst(t *testing.T) {
	t.Parallel()
	// Terraform writes format_version first: an unsupported plan fails
	// before its first change.
	r := NewReader(strings.NewReader(`{"format_version": "2.0", "resource_changes": [` + update + `]}`))
	if _, err := r.Next(); !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("first Next: %v", err)
	}
	// Otherwise the error replaces io.EOF; changes before it are
	// provisional.
	r = NewReader(strings.NewReader(`{"resource_changes": [` + update + `], "format_version": "2.0"}`))
	if _, err := r.Next(); err != nil {
		t.Fatalf("first Next: %v", err)
	}
	if _, err := r.Next(); !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("second Next: %v", err)
	}
	if _, err := r.Next(); !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("errors are not sticky: %v", err)
	}
}

func TestChangeModel(t *testing.T) {
	t.Parallel()
	in := `{"format_version": "1.2", "resource_changes": [
	  {"address": "module.m.aws_instance.web[\"a\"]", "previous_address": "aws_instance.web[\"a\"]", "module_address": "module.m", "mode": "managed", "type": "aws_instance", "name": "web", "index": "a",
	   "provider_name": "registry.terraform.io/hashicorp/aws", "deposed": "00000001", "action_reason": "replace_because_cannot_update",
	   "change": {"actions": ["create", "delete"], "before": {"ami": "a"}, "after": {"ami": "b"}, "replace_paths": [["ami"], ["tags", "kubernetes.io/x"]],
	              "importing": {"id": "i-123"}}},
	  {"address": "data.x.y[3]", "mode": "data", "type": "x", "name": "y", "index": 3, "change": {"actions": ["read"], "before": null, "after": {"a": 1}}},
	  {"address": "x.z", "change": {"actions": ["forget"], "before": {}, "after": null}},
	  {"address": "x.i", "change": {"actions": ["no-op"], "importing": {"identity": {"id": "x"}}}}
	]}`
	res, err := Read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Changes[0]
	if c.Address != `module.m.aws_instance.web["a"]` || *c.PreviousAddress != `aws_instance.web["a"]` || *c.ModuleAddress != "module.m" ||
		c.Mode != "managed" || c.Type != "aws_instance" || c.Name != "web" || c.Index != "a" ||
		c.Provider != "registry.terraform.io/hashicorp/aws" || c.DeposedKey != "00000001" ||
		c.Action != release.ChangeReplace || c.ReplaceOrder != release.CreateThenDelete || c.Modification != release.ModReplaced ||
		*c.ActionReason != "replace_because_cannot_update" || *c.ImportID != "i-123" {
		t.Errorf("change 0: %s", dump(c))
	}
	if got := dump(c.ReplacePaths); got != `[["ami"],["tags","kubernetes.io/x"]]` {
		t.Errorf("replace paths %s", got)
	}
	if c := res.Changes[1]; c.Index != json.Number("3") || c.Mode != "data" || c.Action != release.ChangeRead || c.PreviousAddress != nil || c.ModuleAddress != nil || c.ImportID != nil {
		t.Errorf("change 1: %s", dump(c))
	}
	// The no-op imports: it is counted as an import, not also unchanged
	// (issue 20 kind 4).
	want := release.Summary{Replace: 1, Read: 1, Forget: 1, NoOp: 0, Import: 2, Move: 1}
	if res.Summary != want {
		t.Errorf("summary %+v, want %+v", res.Summary, want)
	}
	if c := res.Changes[3]; c.ImportID == nil || *c.ImportID != "" {
		t.Errorf("import by identity: %s", dump(c))
	}
}

func TestOutputSensitiveMasked(t *testing.T) {
	t.Parallel()
	in := `{"format_version": "1.2", "output_changes": {
	  "pw": {"actions": ["update"], "before": "hunter2", "after": "hunter3", "after_unknown": false, "before_sensitive": true, "after_sensitive": true},
	  "same": {"actions": ["no-op"], "before": {"k": "hunter2"}, "after": {"k": "hunter2"}, "after_unknown": false, "before_sensitive": true, "after_sensitive": true},
	  "later": {"actions": ["update"], "before": "a", "after_unknown": true, "before_sensitive": false, "after_sensitive": false}}}`
	res, err := Read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	got := dump(res.OutputChanges)
	for _, s := range []string{"hunter", `"k"`} {
		if strings.Contains(got, s) {
			t.Errorf("output changes leak %s: %s", s, got)
		}
	}
	if len(res.OutputChanges) != 3 {
		t.Fatalf("outputs %s", got)
	}
	if res.OutputChanges[0].Address != "output.pw" {
		t.Fatalf("outputs %s", got)
	}
	if res.OutputChanges[0].Kind != release.KindOutput {
		t.Fatalf("outputs %s", got)
	}
	if fs := res.OutputChanges[0].Fields; len(fs) != 1 || fs[0] != (release.Field{Sensitive: true, Changed: true}) {
		t.Errorf("pw fields %s", dump(fs))
	}
	if fs := res.OutputChanges[1].Fields; len(fs) != 0 {
		t.Errorf("same fields %s", dump(fs))
	}
	if fs := res.OutputChanges[2].Fields; len(fs) != 1 || fs[0] != (release.Field{Before: "a", Unknown: true, Changed: true}) {
		t.Errorf("later fields %s", dump(fs))
	}
	if res.Summary != (release.Summary{}) {
		t.Errorf("outputs counted in the summary: %+v", res.Summary)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	k := copy(p, bytes.Repeat([]byte(" "), min(len(p), f.n)))
	f.n -= k
	return k, nil
}

func TestReadError(t *testing.T) {
	t.Parallel()
	_, err := Read(io.MultiReader(strings.NewReader(`{"format_version": "1.0"`), &failingReader{n: 10}))
	if !errors.Is(err, ErrRead) {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("got %v", err)
	}
	if Offset(err) != 34 {
		t.Fatalf("got %v", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestNoProgress(t *testing.T) {
	t.Parallel()
	if _, err := Read(zeroReader{}); !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("got %v", err)
	}
}

func TestSecretsMaskedInLaterChanges(t *testing.T) {
	t.Parallel()
	in := `{"format_version": "1.2", "resource_changes": [
	  {"address": "a", "change": {"actions": ["create"], "before": null, "after": {"token": "tok-0123456789"}, "after_sensitive": {"token": true}}},
	  {"address": "b", "change": {"actions": ["create"], "before": null, "after": {"copy": "tok-0123456789", "header": "Bearer tok-0123456789", "other": "fine"}}}],
	  "output_changes": {"o": {"actions": ["create"], "before": null, "after": {"t": "tok-0123456789"}, "after_sensitive": false}}}`
	res, err := Read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	all := dump(res)
	if strings.Contains(all, "0123456789") {
		t.Fatalf("the secret leaks: %s", all)
	}
	if !strings.Contains(all, `"fine"`) {
		t.Errorf("over-masked: %s", all)
	}
}
