package web

import (
	"regexp"
	"strings"
)

// escapes matches the ANSI escape sequences a command's output may hold
// (ECMA-48): CSI sequences (SGR colours "ESC[32m", cursor moves), OSC
// strings (hyperlinks, window titles) ended by BEL or ST, and two-byte
// escapes. The log keeps them; the pages show text without them (the
// log viewer's script turns SGR into colours).
var escapes = regexp.MustCompile("\x1b\\[[0-9;:?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)|\x1b[@-Z\\\\-_]")

// plain is a log line without its escape sequences.
func plain(s string) string {
	if !strings.Contains(s, "\x1b") {
		return s
	}
	return escapes.ReplaceAllString(s, "")
}

// hasEscape reports whether a log line holds an escape sequence.
func hasEscape(s string) bool { return strings.Contains(s, "\x1b") }
