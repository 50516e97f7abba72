package plan

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ANSI colours.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiMagenta = "\x1b[35m"
	ansiCyan    = "\x1b[36m"
)

// maxCell is how many bytes of a value the table shows.
const maxCell = 120

// TableWriter renders a plan as a readable table: one line per change
// (symbol, address, action and why), then one line per changed field
// (path, before → after), grouped under a heading per kind, and a summary
// line at the end. Sensitive values print as "(sensitive value)", unknown
// ones as "(known after apply)"; control characters in names and values are
// escaped, so a plan cannot send terminal escape sequences.
type TableWriter struct {
	w       *bufio.Writer
	opts    RenderOptions
	section release.ChangeKind
	summary release.Summary
	drift   int
	outputs int
}

// NewTableWriter returns a TableWriter writing to w.
func NewTableWriter(w io.Writer, opts RenderOptions) *TableWriter {
	return &TableWriter{w: bufio.NewWriterSize(w, 64<<10), opts: opts}
}

func (t *TableWriter) paint(color, s string) string {
	if !t.opts.Color || color == "" {
		return s
	}
	return color + s + ansiReset
}

// symbol returns the action's mark and colour.
func symbol(c release.Change) (string, string) {
	switch c.Action {
	case release.ChangeCreate:
		return "+", ansiGreen
	case release.ChangeUpdate:
		return "~", ansiYellow
	case release.ChangeDelete:
		return "-", ansiRed
	case release.ChangeReplace:
		if c.ReplaceOrder == release.CreateThenDelete {
			return "+/-", ansiMagenta
		}
		return "-/+", ansiMagenta
	case release.ChangeRead:
		return "<=", ansiCyan
	case release.ChangeForget:
		return ".", ansiDim
	case release.ChangeNoOp:
		return " ", ""
	}
	return "?", ansiBold // an action list shiplog does not know
}

// Write renders one change.
func (t *TableWriter) Write(h Header, c release.Change) error {
	switch {
	case c.Kind == release.KindOutput && c.Listed():
		t.outputs++ // an output that does not change is not an output change
	case c.Kind == release.KindDrift && c.Listed():
		t.drift++
	case c.Kind != release.KindOutput && c.Kind != release.KindDrift:
		t.summary.Add(c)
	}
	if !c.Listed() && !t.opts.All {
		return nil
	}
	if c.Kind != t.section {
		if t.section == "" {
			t.heading(h)
		}
		t.section = c.Kind
		title := "Resource changes:"
		switch c.Kind {
		case release.KindOutput:
			title = "Output changes:"
		case release.KindDrift:
			title = "Changed outside Terraform (drift):"
		}
		fmt.Fprintf(t.w, "\n%s\n", t.paint(ansiBold, title))
	}
	sym, color := symbol(c)
	var notes []string
	if c.ReplaceOrder != "" {
		notes = append(notes, string(c.ReplaceOrder))
	}
	if c.ActionReason != nil {
		notes = append(notes, *c.ActionReason)
	}
	if c.PreviousAddress != nil && *c.PreviousAddress != c.Address {
		notes = append(notes, "moved from "+escape(*c.PreviousAddress))
	}
	if c.ImportID != nil {
		switch {
		case len(c.ImportIdentity) > 0:
			notes = append(notes, "import identity "+identityText(c.ImportIdentity))
		case *c.ImportID == "":
			notes = append(notes, "import")
		default:
			notes = append(notes, "import id "+quote(*c.ImportID))
		}
	}
	if c.DeposedKey != "" {
		notes = append(notes, "deposed object "+escape(c.DeposedKey))
	}
	for _, p := range c.ReplacePaths {
		notes = append(notes, "replaced because of "+escape(FormatPath(p)))
	}
	line := fmt.Sprintf("%-3s %-7s", sym, c.Action)
	fmt.Fprintf(t.w, "  %s  %s", t.paint(color, line), t.paint(ansiBold, escape(c.Address)))
	if len(notes) > 0 {
		fmt.Fprintf(t.w, "  %s", t.paint(ansiDim, "("+strings.Join(notes, "; ")+")"))
	}
	t.w.WriteString("\n")

	width := 0
	for _, f := range c.Fields {
		width = max(width, utf8.RuneCountInString(pathLabel(f.Path)))
	}
	width = min(width, 60)
	for _, f := range c.Fields {
		label := escape(pathLabel(f.Path))
		pad := strings.Repeat(" ", max(0, width-utf8.RuneCountInString(label)))
		lines := readableField(c, f)
		if lines == nil {
			fmt.Fprintf(t.w, "                %s%s  %s\n", label, pad, t.fieldValues(f))
			continue
		}
		// A JSON document, several lines or a long value: how it
		// changed, line by line, rather than two cut values.
		fmt.Fprintf(t.w, "                %s%s  %s\n", label, pad, t.paint(ansiDim, "changed:"))
		for _, l := range lines {
			color := ""
			switch l.Kind {
			case "+":
				color = ansiGreen
			case "-":
				color = ansiRed
			case "~":
				color = ansiYellow
			case "…":
				color = ansiDim
			}
			fmt.Fprintf(t.w, "                  %s\n", t.paint(color, l.Kind+" "+l.Text))
		}
	}
	_, err := t.w.Write(nil) // the write error, if any
	return err
}

// configValue is an action's configuration value: masked, unknown or the
// value as Terraform would print it.
func (t *TableWriter) configValue(f release.Field) string {
	switch {
	case f.Sensitive:
		return t.paint(ansiDim, "(sensitive value)")
	case f.Unknown:
		return t.paint(ansiDim, "(known after apply)")
	}
	return formatValue(f.After)
}

// pathLabel is what the table shows for a path: an output's own value has
// the empty path.
func pathLabel(p string) string {
	if p == "" {
		return "(value)"
	}
	return p
}

func (t *TableWriter) fieldValues(f release.Field) string {
	if f.Sensitive {
		s := t.paint(ansiDim, "(sensitive value)")
		switch {
		case f.Unknown:
			return s + " → " + t.paint(ansiDim, "(known after apply)")
		case f.Changed:
			return s + " " + t.paint(ansiDim, "changed")
		}
		return s + " " + t.paint(ansiDim, "unchanged, sensitivity changed")
	}
	before, after := formatValue(f.Before), formatValue(f.After)
	switch f.Absent {
	case "before":
		before = t.paint(ansiDim, "(absent)")
	case "after":
		after = t.paint(ansiDim, "(absent)")
	}
	if f.Unknown {
		after = t.paint(ansiDim, "(known after apply)")
	}
	return before + " → " + after
}

// heading prints what the plan says about itself, once.
func (t *TableWriter) heading(h Header) {
	if h.TerraformVersion == "" && h.FormatVersion == "" {
		return
	}
	fmt.Fprintf(t.w, "Terraform %s plan (format %s)\n", escape(h.TerraformVersion), escape(h.FormatVersion))
}

// Close prints the summary line and flushes.
func (t *TableWriter) Close(h Header) error {
	if t.section == "" {
		t.heading(h)
		if len(h.Actions) == 0 {
			fmt.Fprintf(t.w, "\nNo changes.\n")
		}
	}
	if len(h.Actions) > 0 {
		// An action to invoke is a change, even with no resource changing.
		fmt.Fprintf(t.w, "\n%s\n", t.paint(ansiBold, "Actions to invoke:"))
		for _, a := range h.Actions {
			on := escape(a.Trigger)
			if a.Resource != "" {
				on += " of " + escape(a.Resource)
			}
			fmt.Fprintf(t.w, "  %-11s  %s  %s\n", "invoke", t.paint(ansiBold, escape(a.Address)), t.paint(ansiDim, "("+on+")"))
			for _, f := range a.Config {
				fmt.Fprintf(t.w, "      %s = %s\n", escape(pathLabel(f.Path)), t.configValue(f))
			}
		}
	}
	if len(h.Deferred) > 0 {
		fmt.Fprintf(t.w, "\n%s\n", t.paint(ansiBold, "Deferred to a later plan (not in this apply):"))
		for _, d := range h.Deferred {
			fmt.Fprintf(t.w, "  %-11s  %s  %s\n", escape(string(d.Action)), t.paint(ansiBold, escape(d.Address)), t.paint(ansiDim, "("+escape(d.Reason)+")"))
		}
	}
	if len(h.FailedChecks) > 0 {
		// A failed check is news even when the plan can be applied.
		fmt.Fprintf(t.w, "\n%s\n", t.paint(ansiBold, "Failed checks:"))
		for _, c := range h.FailedChecks {
			fmt.Fprintf(t.w, "  %s  %s\n", t.paint(ansiRed, fmt.Sprintf("%-5s", c.Status)), t.paint(ansiBold, escape(c.Address)))
			for _, p := range c.Problems {
				fmt.Fprintf(t.w, "                %s\n", escape(p))
			}
		}
	}
	s := t.summary
	fmt.Fprintf(t.w, "\n%s %d to create, %d to update, %d to delete, %d to replace, %d to read, %d to forget; %d to import, %d moved; %d unchanged.",
		t.paint(ansiBold, "Plan:"), s.Create, s.Update, s.Delete, s.Replace, s.Read, s.Forget, s.Import, s.Move, s.NoOp)
	if t.outputs > 0 || t.drift > 0 {
		fmt.Fprintf(t.w, " %d output changes, %d drifted.", t.outputs, t.drift)
	}
	if !t.opts.All && s.NoOp > 0 {
		t.w.WriteString(" (--all lists the unchanged.)")
	}
	if h.Errored {
		fmt.Fprintf(t.w, " %s", t.paint(ansiRed, "The plan errored: it is incomplete and cannot be applied."))
	} else if h.Complete != nil && !*h.Complete {
		fmt.Fprintf(t.w, " %s", t.paint(ansiYellow, "The plan is incomplete (deferred changes)."))
	}
	t.w.WriteString("\n")
	return t.w.Flush()
}

// Abort ends the table with a warning that it is incomplete.
func (t *TableWriter) Abort(error) error {
	fmt.Fprintf(t.w, "\n%s\n", t.paint(ansiRed, "The plan could not be read to the end: the changes above are incomplete and may be wrong."))
	return t.w.Flush()
}

// formatValue writes a leaf value the way Terraform would: strings quoted,
// cut at maxCell bytes.
func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return quote(v)
	case json.Number:
		return cut(string(v))
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case map[string]any:
		if len(v) == 0 {
			return "{}"
		}
	case []any:
		if len(v) == 0 {
			return "[]"
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "(unprintable)"
	}
	return escape(cut(string(b)))
}

func quote(s string) string {
	if len(s) > maxCell {
		return string(appendQuoted(nil, cutUTF8(s, maxCell))) + "…"
	}
	return string(appendQuoted(nil, s))
}

func cut(s string) string {
	if len(s) > maxCell {
		return cutUTF8(s, maxCell) + "…"
	}
	return s
}

// cutUTF8 cuts s to at most n bytes without splitting a character.
func cutUTF8(s string, n int) string {
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// escape makes a name safe for a terminal and readable: control, format,
// direction and other invisible characters are written as \u escapes.
func escape(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) || r == utf8.RuneError {
			q := string(appendQuoted(nil, s))
			return q[1 : len(q)-1]
		}
	}
	return s
}

// identityText writes an import identity as Terraform's HCL does:
// {account_id = "123", bucket = "logs"}, attributes in name order.
func identityText(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = escape(k) + " = " + formatValue(m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
