package store

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// marshalFields is the stored form as encoding/json writes it: what
// encodeFields must write byte for byte.
func marshalFields(fs []release.Field) (string, error) {
	withApplied := false
	for _, f := range fs {
		withApplied = withApplied || f.Applied != nil
	}
	rows := make([][]any, len(fs))
	for i, f := range fs {
		flags := 0
		for bit, on := range map[int]bool{flagUnknown: f.Unknown, flagSensitive: f.Sensitive, flagChanged: f.Changed,
			flagNoBefore: f.Absent == "before", flagNoAfter: f.Absent == "after"} {
			if on {
				flags |= bit
			}
		}
		rows[i] = []any{f.Path, f.Before, f.After, flags}
		if withApplied && f.Applied != nil {
			rows[i] = append(rows[i], f.Applied)
		}
	}
	b, err := json.Marshal(rows)
	return string(b), err
}

// trickyTexts are strings every JSON encoder must get right.
var trickyTexts = []string{
	"", "plain", `quote " and backslash \`, "tab\tnew line\ncarriage\rbell\x07nul\x00",
	"\b\f\x1f", "<script>&amp;</script>", "line\u2028para\u2029", "bad \xff utf-8 \xc3",
	"zero\u200bwidth \u202eright-to-left", "emoji 🚀 and é", "\x7f",
}

func TestEncodeFieldsWritesWhatEncodingJSONWrites(t *testing.T) {
	t.Parallel()
	var fs []release.Field
	for _, s := range trickyTexts {
		fs = append(fs, release.Field{Path: s, Before: s, After: s + "!", Changed: true})
	}
	fs = append(fs,
		release.Field{Path: "n", Before: json.Number("-1.5e+10"), After: json.Number("0"), Unknown: true},
		release.Field{Path: "b", Before: true, After: false, Sensitive: true, Absent: "before"},
		release.Field{Path: "null", Before: nil, After: nil, Absent: "after"},
		release.Field{Path: "obj", Before: map[string]any{"k": []any{"a", json.Number("1")}, "<b>": nil, "a": map[string]any{}}, After: []any{}},
		release.Field{Path: "list", Before: []any{map[string]any{"z": true, "y": "\u2028"}, nil}, After: []any(nil)},
		release.Field{Path: "nil map", Before: map[string]any(nil), After: map[string]any{"k": []any(nil)}},
		release.Field{Path: "f", Before: 1.25, After: int64(7)},
	)
	check := func(t *testing.T, fs []release.Field) {
		t.Helper()
		got, err := encodeFields(fs)
		if err != nil {
			t.Fatalf("encodeFields: %v", err)
		}
		want, err := marshalFields(fs)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("encodeFields wrote\n%s\nencoding/json writes\n%s", got, want)
		}
	}
	t.Run("planned", func(t *testing.T) { check(t, fs) })
	t.Run("applied", func(t *testing.T) {
		applied := append([]release.Field(nil), fs...)
		applied[1].Applied = "resolved <value>"
		check(t, applied)
	})
	t.Run("empty", func(t *testing.T) { check(t, []release.Field{}) })
}

func TestEncodeFieldsRefusesABadNumber(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"01", "1.", ".5", "1e", "+1", "0x10", "NaN", "1 "} {
		if _, err := encodeFields([]release.Field{{Path: "p", After: json.Number(n)}}); err == nil {
			t.Errorf("encodeFields took the number %q", n)
		} else if !strings.Contains(err.Error(), "invalid number") {
			t.Errorf("number %q: error %q does not say it is an invalid number", n, err)
		}
	}
}

func FuzzEncodeFields(f *testing.F) {
	for _, s := range trickyTexts {
		f.Add(s, "1")
	}
	f.Fuzz(func(t *testing.T, s, num string) {
		fs := []release.Field{{Path: s, Before: map[string]any{s: []any{s, num}, num: s}, After: json.Number(num)}}
		got, err := encodeFields(fs)
		want, werr := marshalFields(fs)
		if (err != nil) != (werr != nil) {
			t.Fatalf("encodeFields error %v, encoding/json error %v", err, werr)
		}
		if err == nil && got != want {
			t.Fatalf("encodeFields wrote %s, encoding/json writes %s", got, want)
		}
	})
}
