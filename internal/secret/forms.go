package secret

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// MinMasked is the shortest text (in bytes) masked wherever it appears:
// shorter values ("on", "1", "eu") would blank ordinary text everywhere.
const MinMasked = 4

// Forms returns the texts under which terraform may print the values, to
// be masked in logs: each value as it is; escaped as in a JSON or HCL
// string literal (`a"b\c` printed as `a\"b\\c`, a newline as `\n`, and in
// HCL `${` as `$${`); quoted as Go does (terraform's plan renderer uses
// strconv.Quote for strings it cannot print as they are); and, for a
// multi-line value, each of its lines, since terraform prints such a value
// as a heredoc, one line at a time. Forms shorter than MinMasked are left
// out. The result has no duplicates and is ordered longest first, so a
// whole value is masked before any of its lines.
func Forms(values []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if len(f) >= MinMasked && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, v := range values {
		add(v)
		j := jsonEscape(v)
		add(j)
		hcl := strings.NewReplacer("${", "$${", "%{", "%%{").Replace(j)
		add(hcl)
		add(strings.Trim(strconv.Quote(v), `"`))
		if strings.ContainsAny(v, "\n") {
			for _, line := range strings.Split(v, "\n") {
				line = strings.TrimSuffix(line, "\r")
				add(line)
				add(strings.TrimSpace(line))
				add(jsonEscape(line))
			}
		}
	}
	sort.SliceStable(out, func(i, k int) bool { return len(out[i]) > len(out[k]) })
	return out
}

// jsonEscape is s as inside a JSON string literal, without HTML escaping.
func jsonEscape(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(b.String(), `"`), "\n"), `"`)
}
