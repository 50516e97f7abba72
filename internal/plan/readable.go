package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/pmezard/go-difflib/difflib"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// DiffLine is one line of a readable comparison of two values (Readable).
type DiffLine struct {
	// Kind is " " (unchanged context), "-" (removed), "+" (added), "~" (a
	// value that changed, Text "path: before → after") or "…" (a gap of
	// unchanged lines, or where a long value differs).
	Kind string `json:"kind"`
	// Text is the line, escaped like a value in the table: no control,
	// format or direction character is left raw.
	Text string `json:"text"`
}

// Readable compares two values of a field the way people read them, where
// a plain before → after does not: two strings holding JSON documents
// (jsonencode() policies, container definitions) give one "~" line per
// changed leaf inside, at its path in the document ("+" where it was
// null or absent, "-" where it becomes so); strings spanning
// several lines (heredoc user data) give a line diff with 3 lines of
// context; one-line strings longer than the table shows give one "…" line
// saying at which character they first differ, with the text around it
// on both sides. It returns nil for any other pair (numbers, short
// strings, a side that is not a string). The caller must not give it the
// values of a sensitive field (which carries none).
func Readable(before, after any) []DiffLine {
	b, ok1 := before.(string)
	a, ok2 := after.(string)
	if !ok1 || !ok2 || a == b {
		return nil
	}
	if lines, ok := jsonDiff(b, a); ok {
		return lines
	}
	if strings.Contains(a, "\n") || strings.Contains(b, "\n") {
		return LineDiff(b, a)
	}
	if len(a) > maxCell || len(b) > maxCell {
		return []DiffLine{differsAt(b, a)}
	}
	return nil
}

// maxJSONDiff bounds the documents jsonDiff decodes.
const maxJSONDiff = 1 << 20

// jsonDiff diffs two strings that both hold a JSON object or array, leaf
// by leaf, with the rules of Diff.
func jsonDiff(b, a string) ([]DiffLine, bool) {
	decode := func(s string) (any, bool) {
		s = strings.TrimSpace(s)
		if len(s) > maxJSONDiff || s == "" || s[0] != '{' && s[0] != '[' {
			return nil, false
		}
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		var v any
		if d.Decode(&v) != nil || d.More() {
			return nil, false
		}
		return v, true
	}
	bv, ok := decode(b)
	if !ok {
		return nil, false
	}
	av, ok := decode(a)
	if !ok {
		return nil, false
	}
	var out []DiffLine
	for _, f := range Diff(&tfjson.Change{Before: bv, After: av}, nil) {
		before, after := formatValue(f.Before), formatValue(f.After)
		switch f.Absent {
		case "before":
			before = "(absent)"
		case "after":
			after = "(absent)"
		}
		kind := "~"
		switch {
		case f.Before == nil && f.After != nil:
			kind = "+" // an element or member added
		case f.After == nil && f.Before != nil:
			kind = "-"
		}
		out = append(out, DiffLine{Kind: kind, Text: escape(pathLabel(f.Path)) + ": " + before + " → " + after})
	}
	return out, true
}

// LineDiff is a unified line diff of two texts with 3 lines of context and
// a "n unchanged lines" line (Kind "…") for each gap.
func LineDiff(before, after string) []DiffLine {
	a, b := strings.Split(before, "\n"), strings.Split(after, "\n")
	m := difflib.NewMatcher(a, b)
	var out []DiffLine
	shown := 0 // lines of a accounted for
	for _, group := range m.GetGroupedOpCodes(3) {
		if gap := group[0].I1 - shown; gap > 0 {
			out = append(out, DiffLine{Kind: "…", Text: fmt.Sprintf("%d unchanged lines", gap)})
		}
		for _, op := range group {
			switch op.Tag {
			case 'e':
				for _, l := range a[op.I1:op.I2] {
					out = append(out, DiffLine{Kind: " ", Text: escape(l)})
				}
			case 'd', 'r', 'i':
				for _, l := range a[op.I1:op.I2] {
					out = append(out, DiffLine{Kind: "-", Text: escape(l)})
				}
				for _, l := range b[op.J1:op.J2] {
					out = append(out, DiffLine{Kind: "+", Text: escape(l)})
				}
			}
		}
		shown = group[len(group)-1].I2
	}
	if gap := len(a) - shown; gap > 0 && len(out) > 0 {
		out = append(out, DiffLine{Kind: "…", Text: fmt.Sprintf("%d unchanged lines", gap)})
	}
	return out
}

// differsAt says where two long one-line strings first differ: the
// character count (from 1) and up to 40 bytes of each side around it.
func differsAt(b, a string) DiffLine {
	const ctx = 40
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	for p > 0 && (p < len(a) && !utf8.RuneStart(a[p]) || p < len(b) && !utf8.RuneStart(b[p])) {
		p--
	}
	window := func(s string) string {
		from := max(0, p-ctx)
		for from > 0 && !utf8.RuneStart(s[from]) {
			from--
		}
		var w bytes.Buffer
		if from > 0 {
			w.WriteString("…")
		}
		rest := s[from:]
		end := min(len(rest), 2*ctx)
		w.Write(appendQuoted(nil, cutUTF8(rest, end)))
		if end < len(rest) {
			w.WriteString("…")
		}
		return w.String()
	}
	return DiffLine{Kind: "…", Text: fmt.Sprintf("differs at character %d: %s → %s", utf8.RuneCountInString(b[:p])+1, window(b), window(a))}
}

// Display writes a field value whole, as the table writes it but not cut:
// strings quoted with control, format and direction characters escaped
// (as Terraform shows them), other values as JSON.
func Display(v any) string {
	if s, ok := v.(string); ok {
		return string(appendQuoted(nil, s))
	}
	if v == nil {
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "(unprintable)"
	}
	return escape(string(b))
}

// readableField is Readable for a field of a change, nil where the field
// shows no values (sensitive, unknown) or a side does not exist.
func readableField(c release.Change, f release.Field) []DiffLine {
	if f.Sensitive || f.Unknown || f.Absent != "" || c.Action == release.ChangeCreate || c.Action == release.ChangeDelete {
		return nil
	}
	return Readable(f.Before, f.After)
}
