package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// fieldChangeHeader heads a table of writeFieldChanges rows.
var fieldChangeHeader = []string{"ACTION", "ADDRESS", "FIELD", "BEFORE", "AFTER"}

// writeFieldChanges writes one tab-separated row per field of ch that
// changes (every field of a create), or one row without a field when none
// does.
func writeFieldChanges(w io.Writer, ch release.Change) {
	n := 0
	for _, f := range ch.Fields {
		if !f.Changed && ch.Action != release.ChangeCreate {
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", ch.Action, ch.Address, orDash(f.Path), showValue(f, f.Before, false), showValue(f, f.After, true))
		n++
	}
	if n == 0 {
		fmt.Fprintf(w, "%s\t%s\t-\t-\t-\n", ch.Action, ch.Address)
	}
}

// showValue renders a field value for a change table: at most 60
// characters on one line; sensitive and unknown values by name.
func showValue(f release.Field, v any, after bool) string {
	switch {
	case f.Sensitive:
		return "(sensitive)"
	case after && f.Unknown && v == nil:
		return "(known after apply)"
	case v == nil:
		return "-"
	}
	s, ok := v.(string)
	if !ok { // objects, lists, numbers and booleans as JSON, as the API has them
		b, err := json.Marshal(v)
		if err != nil {
			return "(unprintable)"
		}
		s = string(b)
	}
	s = strings.ReplaceAll(s, "\n", " ")
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:57]) + "..."
	}
	return s
}

// logToFile sends the command's log lines to name in the data directory
// (0600) instead of standard error, and returns the file's path and how to
// close it.
func (g *Globals) logToFile(name string) (string, func(), error) {
	dir, err := g.ResolvedDataDir()
	if err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("creating the data directory for the log: %w", err)
	}
	p := filepath.Join(dir, name)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return "", nil, fmt.Errorf("opening the log file: %w", err)
	}
	g.log = hclog.New(&hclog.LoggerOptions{Name: "shiplog", Level: g.log.GetLevel(), Output: f})
	return p, func() { f.Close() }, nil
}
