package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file reads what an apply left: the state as `terraform show -json`
// (no plan file) writes it — the "values" representation of
// https://developer.hashicorp.com/terraform/internals/json-format#values-representation —
// and puts the applied values next to the planned ones of a change.

// State is the part of a state a release's record needs: the values of the
// resources asked for, and every output.
type State struct {
	// Resources are by address (current objects only; deposed ones are
	// left out).
	Resources map[string]StateResource
	// Outputs are in the state's order (by name); a sensitive output's
	// Value is nil.
	Outputs []release.Output
}

// StateResource is one resource instance's values as decoded JSON
// (numbers as json.Number) and its sensitive_values marks (true, or the
// shape of the values with true where a value is sensitive).
type StateResource struct {
	Values    any
	Sensitive any
}

type stateDoc struct {
	FormatVersion string `json:"format_version"`
	Values        *struct {
		Outputs map[string]struct {
			Sensitive bool `json:"sensitive"`
			Value     any  `json:"value"`
			Type      any  `json:"type"`
		} `json:"outputs"`
		RootModule stateModule `json:"root_module"`
	} `json:"values"`
}

type stateModule struct {
	Resources []struct {
		Address         string `json:"address"`
		DeposedKey      string `json:"deposed_key"`
		Values          any    `json:"values"`
		SensitiveValues any    `json:"sensitive_values"`
	} `json:"resources"`
	ChildModules []stateModule `json:"child_modules"`
}

// ReadState reads the JSON of `terraform show -json` without a plan file
// from r, keeping the values of the resources want accepts (nil: none) and
// every output. An empty state ({"format_version": ...} with no values)
// has no resources and no outputs. Values given as secrets (and texts
// containing them, 4 bytes or longer) make an output sensitive. Errors:
// malformed JSON, or a format version whose major is not 1.
func ReadState(r io.Reader, want func(address string) bool, secretValues []string) (*State, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var doc stateDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("reading the state: %w", err)
	}
	if doc.FormatVersion != "" && (len(doc.FormatVersion) < 2 || doc.FormatVersion[:2] != "1.") {
		return nil, fmt.Errorf("reading the state: format version %q is not one shiplog reads (1.x)", doc.FormatVersion)
	}
	st := &State{Resources: map[string]StateResource{}, Outputs: []release.Output{}}
	if doc.Values == nil {
		return st, nil
	}
	var walk func(m *stateModule)
	walk = func(m *stateModule) {
		for _, res := range m.Resources {
			if res.DeposedKey == "" && want != nil && want(res.Address) {
				st.Resources[res.Address] = StateResource{Values: res.Values, Sensitive: res.SensitiveValues}
			}
		}
		for i := range m.ChildModules {
			walk(&m.ChildModules[i])
		}
	}
	walk(&doc.Values.RootModule)
	sec := secretSet(secretValues)
	for _, name := range sortedKeys(doc.Values.Outputs) {
		o := doc.Values.Outputs[name]
		st.Outputs = append(st.Outputs, newOutput(name, o.Type, o.Value, o.Sensitive, sec))
	}
	return st, nil
}

// newOutput is an output as recorded: its value dropped when terraform
// marks it sensitive or it holds one of the secrets.
func newOutput(name string, typ, value any, sensitive bool, sec *secrets) release.Output {
	out := release.Output{Name: name, Type: typ, Sensitive: sensitive || anySecret(sec, value)}
	if !out.Sensitive {
		out.Value = value
	}
	return out
}

// WithApplied returns c with the values the apply left in res next to the
// planned ones: each field's Applied is the value at its path in the state
// (resolving what was unknown), and c.Applied is set. A field whose value
// the state marks sensitive, or that holds one of secretValues, is masked
// as Diff masks one: Sensitive set, no values. A path the state does not
// have leaves the field's Applied nil.
func WithApplied(c release.Change, res StateResource, secretValues []string) release.Change {
	sec := secretSet(secretValues)
	vals := map[string]appliedValue{}
	indexValues(vals, nil, res.Values, res.Sensitive, false)
	fields := make([]release.Field, len(c.Fields))
	for i, f := range c.Fields {
		if v, ok := vals[f.Path]; ok && !f.Sensitive {
			if v.sensitive || anySecret(sec, v.value) {
				f = release.Field{Path: f.Path, Unknown: f.Unknown, Sensitive: true, Changed: f.Changed}
			} else {
				f.Applied = v.value
			}
		}
		fields[i] = f
	}
	c.Fields = fields
	c.Applied = true
	return c
}

type appliedValue struct {
	value     any
	sensitive bool // the value is, or holds, a sensitive one
}

// indexValues records every value under v (objects and lists too) by its
// path, written as the plan's field paths are (path.go).
func indexValues(into map[string]appliedValue, path []byte, v, marks any, inherited bool) bool {
	marked := inherited || marks == true // this value and all below it
	holds := marked                      // this value is or holds a sensitive one
	switch v := v.(type) {
	case map[string]any:
		m, _ := marks.(map[string]any)
		for _, k := range sortedKeys(v) {
			var mk any
			if m != nil {
				mk = m[k]
			}
			if indexValues(into, appendKey(append([]byte(nil), path...), k), v[k], mk, marked) {
				holds = true
			}
		}
	case []any:
		m, _ := marks.([]any)
		for i, e := range v {
			var mk any
			if i < len(m) {
				mk = m[i]
			}
			if indexValues(into, appendIndex(append([]byte(nil), path...), i), e, mk, marked) {
				holds = true
			}
		}
	}
	if len(path) > 0 {
		into[string(path)] = appliedValue{value: v, sensitive: holds}
	}
	return holds
}

func secretSet(values []string) *secrets {
	s := new(secrets)
	for _, v := range values {
		s.add(v)
	}
	return s
}

// anySecret reports whether a string or number anywhere in v is or holds
// a secret.
func anySecret(s *secrets, v any) bool {
	switch v := v.(type) {
	case string:
		return s.covers(v)
	case json.Number:
		return s.covers(string(v))
	case map[string]any:
		for _, e := range v {
			if anySecret(s, e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if anySecret(s, e) {
				return true
			}
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
