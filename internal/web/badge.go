package web

import (
	"fmt"
	"regexp"
	"strings"
)

// badgeClass is the CSS class of a status's badge ("PENDING_APPROVAL" →
// "st-pending_approval"), as the "status" template and static/app.js
// write it.
func badgeClass(status any) string {
	return "st-" + strings.ToLower(fmt.Sprint(status))
}

// cssRule is one rule of a stylesheet without nesting: its selector list
// and its declarations.
var cssRule = regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`)

// StatusBadge is the CSS class the pages give a badge of status (a release,
// phase, sign-off, sync or health status, as its upper-case name), and
// whether the embedded stylesheet (static/app.css) styles it: a rule giving
// that class a background and one giving its icon (".icon::before") a
// content. A status without both shows as an unstyled grey word.
func StatusBadge(status string) (class string, ok bool) {
	class = badgeClass(status)
	css, err := staticFiles.ReadFile("static/app.css")
	if err != nil {
		return class, false
	}
	var background, icon bool
	for _, m := range cssRule.FindAllStringSubmatch(string(css), -1) {
		for sel := range strings.SplitSeq(m[1], ",") {
			switch strings.Join(strings.Fields(sel), " ") {
			case "." + class:
				background = background || strings.Contains(m[2], "background")
			case "." + class + " .icon::before":
				icon = icon || strings.Contains(m[2], "content")
			}
		}
	}
	return class, background && icon
}
