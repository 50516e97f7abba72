package secret

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
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
// out. A value that is a JSON object or array (a structured variable, or
// JSON in a string) also gives the forms of each of its members
// (Members), since terraform prints such a value member by member. The
// result has no duplicates and is ordered longest first, so a whole value
// is masked before any of its lines or members.
func Forms(values []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if len(f) >= MinMasked && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, v := range Members(values) {
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

// maxMembers bounds how many member strings one call of Members gives.
const maxMembers = 10000

// Members returns the values followed by the string members of those that
// are a JSON object or array, at any depth, MinMasked bytes or longer: a
// sensitive `{"password":"x","db":{"dsn":"y"}}` gives "x" and "y" too.
// Terraform prints a structured value, and a string holding JSON, member
// by member (`+ password = "x"` inside an object or `jsonencode(...)`), so
// each member must be masked on its own. A member string that is itself
// JSON gives its members as well. Numbers, booleans and object keys are
// not members: they are masked only where terraform marks them, as a
// number would otherwise blank every equal number of a log. At most
// maxMembers members are given.
func Members(values []string) []string {
	out := append([]string(nil), values...)
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if len(out)-len(values) >= maxMembers || depth > 64 {
			return
		}
		switch v := v.(type) {
		case string:
			if len(v) >= MinMasked {
				out = append(out, v)
				if inner, ok := structured(v); ok {
					walk(inner, depth+1)
				}
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(v[k], depth+1)
			}
		case []any:
			for _, m := range v {
				walk(m, depth+1)
			}
		}
	}
	for _, v := range values {
		if inner, ok := structured(v); ok {
			walk(inner, 0)
		}
	}
	return out
}

// structured decodes s when it is a JSON object or array.
func structured(s string) (any, bool) {
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return nil, false
	}
	var v any
	if err := json.Unmarshal([]byte(t), &v); err != nil {
		return nil, false
	}
	return v, true
}
