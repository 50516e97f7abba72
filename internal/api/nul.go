package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// PostgreSQL's text cannot hold U+0000 (NUL), so no string that reaches the
// database may carry one: request bodies, query parameters and path values
// are checked on the way in, and refused with a 400 naming the field.

// nulError is the 400 for a NUL in field (where says what the field is).
func nulError(field, where string) *httpError {
	return invalid(field, "%s contains U+0000 (NUL), which shiplog cannot store", where)
}

// checkNUL finds the first string (member name or value) of a JSON
// document that holds U+0000 and names it as a path ("artifacts[0].app_name").
// JSON can only carry NUL as the escape \u0000, so documents without one
// are passed at the cost of one scan.
func checkNUL(data []byte) error {
	if !bytes.Contains(data, []byte(`\u0000`)) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil // the typed decode reports what is wrong
	}
	if path, ok := nulPath(v, ""); ok {
		if path == "" {
			return nulError("", "the request body")
		}
		return nulError(path, "field "+path)
	}
	return nil
}

// nulPath is the path of the first string in v holding NUL.
func nulPath(v any, path string) (string, bool) {
	switch v := v.(type) {
	case string:
		return path, strings.ContainsRune(v, 0)
	case []any:
		for i, e := range v {
			if p, ok := nulPath(e, path+"["+strconv.Itoa(i)+"]"); ok {
				return p, true
			}
		}
	case map[string]any:
		for k, e := range v {
			name := join(path, k)
			if strings.ContainsRune(k, 0) {
				return strings.ReplaceAll(name, "\x00", `\u0000`), true
			}
			if p, ok := nulPath(e, name); ok {
				return p, true
			}
		}
	}
	return "", false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return fmt.Sprintf("%s.%s", path, key)
}

// nulFreeChanges passes a plan's changes on to the store, refusing the
// first whose stored text holds U+0000 (the fields are stored as JSON, with
// NUL escaped, and need no check).
type nulFreeChanges struct {
	src store.ChangeSource
	n   int
}

func (c *nulFreeChanges) Next() (release.Change, error) {
	ch, err := c.src.Next()
	if err != nil {
		return ch, err
	}
	c.n++
	texts := []struct {
		name string
		v    *string
	}{{"address", &ch.Address}, {"previous_address", ch.PreviousAddress}, {"module_address", ch.ModuleAddress},
		{"mode", &ch.Mode}, {"type", &ch.Type}, {"name", &ch.Name}, {"provider_name", &ch.Provider},
		{"deposed", &ch.DeposedKey}, {"action_reason", ch.ActionReason}, {"importing.id", ch.ImportID}}
	for _, t := range texts {
		if t.v != nil && strings.ContainsRune(*t.v, 0) {
			return ch, invalid("plan", "change %d of the plan (%q): its %s contains U+0000 (NUL), which shiplog cannot store",
				c.n, strings.ReplaceAll(ch.Address, "\x00", `\u0000`), t.name)
		}
	}
	return ch, nil
}
