package api_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The API guide (docs/guides/api.md) lists every route the server serves:
// each path in a code span of a row of its route table that names the
// method.
func TestAPIGuideListsEveryRoute(t *testing.T) {
	b, err := os.ReadFile("../../docs/guides/api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "\n## Routes\n")
	if !ok {
		t.Fatal("docs/guides/api.md has no Routes section")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	span := regexp.MustCompile("`([^`?]+)(\\?[^`]*)?`")
	rows := map[string][]string{} // path -> the first cells naming it
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " | ")
		for _, m := range span.FindAllStringSubmatch(first, -1) {
			rows[m[1]] = append(rows[m[1]], first)
		}
	}
	h := newHarness(t)
	for _, pattern := range h.api.Patterns() {
		method, path, _ := strings.Cut(pattern, " ")
		found := false
		for _, row := range rows[path] {
			found = found || regexp.MustCompile(`\b`+method+`\b`).MatchString(row)
		}
		if !found {
			t.Errorf("docs/guides/api.md does not list %s %s", method, path)
		}
	}
}
