package web

import (
	"regexp"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file reads why a release ended from what it wrote: terraform's
// diagnostics and the last lines of the failing command's output, for the
// details page's "What went wrong".

// causeLines is how many of the ending phase's last lines are read for
// the cause; outputLines how many of them show as the command's output.
const (
	causeLines  = 200
	outputLines = 15
)

// diagnostic is one of terraform's diagnostics as its human output prints
// it (format: terraform's internal/command/format/diagnostic.go):
//
//	╷
//	│ Error: Unsupported argument
//	│
//	│   with aws_instance.web,
//	│   on main.tf line 3, in resource "aws_instance" "web":
//	│    3:   foo = 1
//	│
//	│ An argument named "foo" is not expected here.
//	╵
type diagnostic struct {
	Severity string   // "Error" or "Warning"
	Summary  string   // the line after "Error: "
	Resource string   // the address after "with", if any
	Where    string   // "main.tf line 3, in resource \"aws_instance\" \"web\"", if any
	Source   []string // the configuration lines quoted under Where
	Detail   []string // the explanation, line by line
}

// cause is what the details page says went wrong.
type cause struct {
	Diagnostics []diagnostic
	// Output is the last lines of the ending phase's command output
	// (shiplog's own lines and the diagnostics left out).
	Output []numbered
	// Timeout is the limit a timed-out phase ran past ("5m0s"), if known.
	Timeout string
	// Applied lists the resources terraform finished applying in the
	// ending phase before it stopped ("aws_s3_bucket.a: Creation complete
	// after 2s [id=a]"); AppliedKnown says whether the phase applies.
	Applied      []string
	AppliedKnown bool
}

var (
	diagStart   = regexp.MustCompile(`^(Error|Warning): (.*)$`)
	diagWith    = regexp.MustCompile(`^\s+with (.+),$`)
	diagOn      = regexp.MustCompile(`^\s+on (.+?):?$`)
	diagSource  = regexp.MustCompile(`^\s*(\d+:|├|│|\s{4,})`)
	ranPast     = regexp.MustCompile(`ran past its timeout of (\S+?):? `)
	startedWith = regexp.MustCompile(`started, timeout (\S+)$`)
)

// unbox takes the box drawing terraform puts around a diagnostic off a
// line: "│ text" → "text"; ok is false for lines outside a box.
func unbox(s string) (string, bool) {
	if t, ok := strings.CutPrefix(s, "│ "); ok {
		return t, true
	}
	if t, ok := strings.CutPrefix(s, "│"); ok {
		return t, true
	}
	return s, false
}

// boxed reports whether a line is part of a diagnostic's box (its start
// may lie before the lines read).
func boxed(s string) bool {
	t := strings.TrimLeft(plain(s), " ")
	return strings.HasPrefix(t, "│") || strings.HasPrefix(t, "╷") || strings.HasPrefix(t, "╵")
}

// parseDiagnostics reads terraform's diagnostics from lines of output:
// boxed ones (╷ … ╵) and, outside boxes, "Error: …" up to a line that
// starts another one. It also reports which lines belonged to one.
func parseDiagnostics(lines []string) ([]diagnostic, []bool) {
	var out []diagnostic
	in := make([]bool, len(lines))
	var cur *diagnostic
	boxed, source := false, false
	flush := func() {
		if cur != nil {
			for len(cur.Detail) > 0 && strings.TrimSpace(cur.Detail[len(cur.Detail)-1]) == "" {
				cur.Detail = cur.Detail[:len(cur.Detail)-1]
			}
			out = append(out, *cur)
			cur = nil
		}
	}
	for i, raw := range lines {
		line := strings.TrimRight(plain(raw), " \t\r")
		switch strings.TrimSpace(line) {
		case "╷":
			flush()
			boxed, in[i] = true, true
			continue
		case "╵":
			flush()
			boxed, in[i] = false, true
			continue
		}
		text := line
		if boxed {
			text, _ = unbox(line)
		}
		if m := diagStart.FindStringSubmatch(strings.TrimSpace(text)); m != nil && (boxed || strings.HasPrefix(text, m[1])) {
			flush()
			cur = &diagnostic{Severity: m[1], Summary: m[2]}
			source = false
			in[i] = true
			continue
		}
		if cur == nil {
			continue
		}
		if !boxed && text != "" && !strings.HasPrefix(text, " ") && len(cur.Detail) > 0 && strings.TrimSpace(cur.Detail[len(cur.Detail)-1]) == "" {
			// unboxed: an unindented line after a blank one ends it
			flush()
			continue
		}
		in[i] = true
		switch {
		case cur.Resource == "" && cur.Where == "" && diagWith.MatchString(text):
			cur.Resource = diagWith.FindStringSubmatch(text)[1]
		case cur.Where == "" && len(cur.Detail) == 0 && diagOn.MatchString(text):
			cur.Where = diagOn.FindStringSubmatch(text)[1]
			source = true
		case source && strings.TrimSpace(text) != "" && diagSource.MatchString(text):
			cur.Source = append(cur.Source, text)
		case strings.TrimSpace(text) == "" && len(cur.Detail) == 0:
			source = false
		default:
			source = false
			cur.Detail = append(cur.Detail, text)
		}
	}
	flush()
	return out, in
}

// causeOf reads the cause from the ending phase's last lines (numbered)
// and, when they hold no diagnostic, from the release's error log.
func causeOf(r *release.Release, tail []numbered) cause {
	var c cause
	texts := make([]string, len(tail))
	for i, e := range tail {
		texts[i] = e.Text
	}
	diags, in := parseDiagnostics(texts)
	// the error log's errors the lines read do not hold (none was
	// printed, or its start lies before them) come first
	seen := map[string]bool{}
	for _, d := range diags {
		seen[d.Severity+d.Summary] = true
	}
	errLines := strings.Split(r.ErrorLog, "\n")
	for _, sev := range []string{": Error: ", ": Warning: "} {
		// "phase apply (apply) failed: Error: …": the diagnostic starts there
		if i := strings.Index(errLines[0], sev); i >= 0 {
			errLines[0] = errLines[0][i+2:]
			break
		}
	}
	logged, _ := parseDiagnostics(errLines)
	for _, d := range logged {
		if !seen[d.Severity+d.Summary] {
			c.Diagnostics = append(c.Diagnostics, d)
		}
	}
	c.Diagnostics = append(c.Diagnostics, diags...)
	for i := len(tail) - 1; i >= 0 && len(c.Output) < outputLines; i-- {
		e := tail[i]
		if e.Stream == release.System {
			if m := ranPast.FindStringSubmatch(e.Text); m != nil && c.Timeout == "" {
				c.Timeout = m[1]
			}
			continue
		}
		if in[i] || strings.TrimSpace(plain(e.Text)) == "" || boxed(e.Text) {
			continue
		}
		c.Output = append(c.Output, e)
	}
	for i, j := 0, len(c.Output)-1; i < j; i, j = i+1, j-1 {
		c.Output[i], c.Output[j] = c.Output[j], c.Output[i]
	}
	if c.Timeout == "" && r.Status == release.StatusTimedOut {
		for _, e := range tail {
			if m := startedWith.FindStringSubmatch(e.Text); m != nil && e.Stream == release.System {
				c.Timeout = m[1]
			}
		}
	}
	// a provisioner's error repeats its command's output, already shown
	// under Output: say so rather than print it twice
	if len(c.Output) > 0 {
		for i := range c.Diagnostics {
			d := &c.Diagnostics[i]
			for j, l := range d.Detail {
				if k := strings.Index(l, ". Output: "); k >= 0 {
					d.Detail = append(d.Detail[:j:j], l[:k+1]+" Its output ends as shown below.")
					break
				}
			}
		}
	}
	return c
}

// applied is a line where terraform reports a resource finished
// ("x: Creation complete after 2s [id=…]", "Modifications complete",
// "Destruction complete").
var applied = regexp.MustCompile(`: (Creation|Modifications|Destruction) complete after `)

// appliedOf keeps the lines that report a finished resource.
func appliedOf(es []release.LogEntry) []string {
	var out []string
	for _, e := range es {
		t := plain(e.Text)
		if applied.MatchString(t) {
			out = append(out, strings.TrimSpace(t))
		}
	}
	return out
}
