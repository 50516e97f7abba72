package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file reads a state file as terraform writes it to its backend —
// state format version 4 (terraform 0.12 and later: "version": 4,
// "outputs", and "resources" with their "instances", each with
// "attributes" and "sensitive_attributes") — into the same State that
// ReadState makes from `terraform show -json`. shiplog is the backend of
// configurations without their own, so the worker already holds the state
// an apply pushed and need not run terraform again to read it.
//
// Two things differ from the show -json form and are converted here:
//   - An attribute of dynamic type (terraform_data's input and output,
//     kubernetes_manifest's manifest) is stored wrapped as
//     {"value": V, "type": T} with T in cty's JSON type notation; show
//     -json writes V. Without the provider's schema the wrapper is known by
//     its shape: exactly those two members, T a cty type whose kind
//     matches V.
//   - Sensitivity is a list of paths (each a list of steps
//     {"type": "get_attr", "value": NAME} or {"type": "index", "value":
//     {"value": KEY, "type": "string"|"number"}}); show -json writes the
//     same as a shape of the values with true where one is sensitive.

// ReadStateFile reads a state file (format version 4) from r as a stream,
// keeping the values of the current objects of the resource instances
// want accepts (nil: none) and every output. Only one resource
// instance's JSON is held at a time, so memory does not grow with the
// state. Secret values (and texts containing them) make an output
// sensitive, as in ReadState.
// Errors: malformed JSON, or a state format version other than 4.
func ReadStateFile(r io.Reader, want func(address string) bool, secretValues []string) (*State, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	st := &State{Resources: map[string]StateResource{}, Outputs: []release.Output{}}
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fmt.Errorf("reading the state file: %w", err)
	}
	version := ""
	var outputs map[string]stateFileOutput
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("reading the state file: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "version":
			var n json.Number
			if err := dec.Decode(&n); err != nil {
				return nil, fmt.Errorf("reading the state file's version: %w", err)
			}
			version = n.String()
			if version != "4" {
				return nil, fmt.Errorf("reading the state file: format version %s is not one shiplog reads (4)", version)
			}
		case "outputs":
			if err := dec.Decode(&outputs); err != nil {
				return nil, fmt.Errorf("reading the state file's outputs: %w", err)
			}
		case "resources":
			if err := readStateFileResources(dec, want, st); err != nil {
				return nil, fmt.Errorf("reading the state file's resources: %w", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fmt.Errorf("reading the state file's %q: %w", key, err)
			}
		}
	}
	if version == "" {
		return nil, errors.New("reading the state file: it has no format version (not a terraform state file)")
	}
	sec := secretSet(secretValues)
	for _, name := range sortedKeys(outputs) {
		o := outputs[name]
		st.Outputs = append(st.Outputs, newOutput(name, o.Type, o.Value, o.Sensitive, sec))
	}
	return st, nil
}

type stateFileOutput struct {
	Value     any  `json:"value"`
	Type      any  `json:"type"`
	Sensitive bool `json:"sensitive"`
}

type stateFileResource struct {
	Module string `json:"module"`
	Mode   string `json:"mode"`
	Type   string `json:"type"`
	Name   string `json:"name"`
}

type stateFileInstance struct {
	IndexKey            any             `json:"index_key"`
	Deposed             string          `json:"deposed"`
	Attributes          json.RawMessage `json:"attributes"`
	SensitiveAttributes json.RawMessage `json:"sensitive_attributes"`
}

// readStateFileResources reads the "resources" array one instance at a
// time: terraform writes a resource's instances after its module, mode,
// type and name, so each instance is read, kept or dropped, and let go
// (one resource with 10,000 counted instances is not held whole). A
// resource written with its instances first is held until its name is
// known.
func readStateFileResources(dec *json.Decoder, want func(string) bool, st *State) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	for dec.More() {
		if err := expectDelim(dec, '{'); err != nil {
			return err
		}
		var res stateFileResource
		var early []stateFileInstance // instances read before the name
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			var into any
			switch key {
			case "module":
				into = &res.Module
			case "mode":
				into = &res.Mode
			case "type":
				into = &res.Type
			case "name":
				into = &res.Name
			case "instances":
				if res.Type == "" || res.Name == "" || res.Mode == "" {
					if err := dec.Decode(&early); err != nil {
						return err
					}
					continue
				}
				if err := expectDelim(dec, '['); err != nil {
					return err
				}
				for dec.More() {
					var in stateFileInstance
					if err := dec.Decode(&in); err != nil {
						return err
					}
					if err := res.keep(&in, want, st); err != nil {
						return err
					}
				}
				if _, err := dec.Token(); err != nil { // ]
					return err
				}
				continue
			default:
				var skip json.RawMessage
				into = &skip
			}
			if err := dec.Decode(into); err != nil {
				return fmt.Errorf("resource member %q: %w", key, err)
			}
		}
		if _, err := dec.Token(); err != nil { // }
			return err
		}
		for i := range early {
			if err := res.keep(&early[i], want, st); err != nil {
				return err
			}
		}
	}
	_, err := dec.Token() // ]
	return err
}

// keep adds the instance to st when it is a current object want accepts.
func (r *stateFileResource) keep(in *stateFileInstance, want func(string) bool, st *State) error {
	if want == nil || in.Deposed != "" {
		return nil
	}
	addr, err := r.address(in.IndexKey)
	if err != nil {
		return err
	}
	if !want(addr) {
		return nil
	}
	var values any
	if len(in.Attributes) > 0 {
		d := json.NewDecoder(bytes.NewReader(in.Attributes))
		d.UseNumber()
		if err := d.Decode(&values); err != nil {
			return fmt.Errorf("%s: attributes: %w", addr, err)
		}
	}
	values = unwrapDynamic(values, 0)
	marks, err := sensitiveMarks(in.SensitiveAttributes)
	if err != nil {
		return fmt.Errorf("%s: sensitive_attributes: %w", addr, err)
	}
	st.Resources[addr] = StateResource{Values: values, Sensitive: marks}
	return nil
}

// address is the instance's resource address as plans and show -json
// write it: module path, "data." for data sources, type.name, index key.
func (r *stateFileResource) address(key any) (string, error) {
	var b strings.Builder
	if r.Module != "" {
		b.WriteString(r.Module)
		b.WriteByte('.')
	}
	if r.Mode == "data" {
		b.WriteString("data.")
	}
	b.WriteString(r.Type)
	b.WriteByte('.')
	b.WriteString(r.Name)
	switch k := key.(type) {
	case nil:
	case json.Number:
		b.WriteString("[" + k.String() + "]")
	case string:
		b.WriteString("[" + quoteHCL(k) + "]")
	default:
		return "", fmt.Errorf("resource %s.%s: index_key %v is neither a number nor a string", r.Type, r.Name, key)
	}
	return b.String(), nil
}

// quoteHCL quotes s as terraform writes an instance key in an address: an
// HCL string, escaping only quotes, backslashes and control characters.
func quoteHCL(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// unwrapDynamic replaces each dynamic-typed value's {"value", "type"}
// wrapper under v by its value. Inside a dynamic value there are no
// further wrappers, so an unwrapped value is not searched again.
func unwrapDynamic(v any, depth int) any {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 2 && depth > 0 {
			if inner, ok := t["value"]; ok {
				if typ, ok := t["type"]; ok && ctyTypeFits(typ, inner) {
					return inner
				}
			}
		}
		for k, e := range t {
			t[k] = unwrapDynamic(e, depth+1)
		}
	case []any:
		for i, e := range t {
			t[i] = unwrapDynamic(e, depth+1)
		}
	}
	return v
}

// ctyTypeFits reports whether typ is a type in cty's JSON notation
// ("string", "number", "bool", "dynamic", or [KIND, ...] for list, set,
// map, object and tuple) whose kind v has (null fits any type).
func ctyTypeFits(typ, v any) bool {
	kind := ""
	switch t := typ.(type) {
	case string:
		kind = t
	case []any:
		if len(t) < 2 {
			return false
		}
		kind, _ = t[0].(string)
	}
	if v == nil {
		switch kind {
		case "string", "number", "bool", "dynamic", "list", "set", "map", "object", "tuple":
			return true
		}
		return false
	}
	switch kind {
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "bool":
		_, ok := v.(bool)
		return ok
	case "list", "set", "tuple":
		_, ok := v.([]any)
		return ok
	case "map", "object":
		_, ok := v.(map[string]any)
		return ok
	}
	return false
}

// sensitiveMarks turns sensitive_attributes' paths into show -json's
// sensitive_values shape: objects and lists following the values, true
// where a value is sensitive. No paths: nil.
func sensitiveMarks(raw json.RawMessage) (any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var paths [][]struct {
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &paths); err != nil {
		return nil, err
	}
	var root any
	for _, p := range paths {
		if len(p) == 0 {
			return true, nil // the whole object
		}
		steps := make([]any, len(p)) // string: key; int: position
		for i, s := range p {
			switch s.Type {
			case "get_attr":
				var name string
				if err := json.Unmarshal(s.Value, &name); err != nil {
					return nil, fmt.Errorf("get_attr step: %w", err)
				}
				steps[i] = name
			case "index":
				d := json.NewDecoder(strings.NewReader(string(s.Value)))
				d.UseNumber()
				var generic struct {
					Value any    `json:"value"`
					Type  string `json:"type"`
				}
				if err := d.Decode(&generic); err != nil {
					return nil, fmt.Errorf("index step: %w", err)
				}
				switch v := generic.Value.(type) {
				case string:
					steps[i] = v
				case json.Number:
					n, err := strconv.Atoi(v.String())
					if err != nil || n < 0 {
						return nil, fmt.Errorf("index step %s is not a position", v)
					}
					steps[i] = n
				default:
					return nil, fmt.Errorf("index step of type %q has no string or number key", generic.Type)
				}
			default:
				return nil, fmt.Errorf("unknown path step type %q", s.Type)
			}
		}
		root = markPath(root, steps)
	}
	return root, nil
}

// markPath sets true at steps under m, making the objects and lists on the
// way; a value already marked true stays so (it covers all below it).
func markPath(m any, steps []any) any {
	if m == true {
		return true
	}
	if len(steps) == 0 {
		return true
	}
	switch s := steps[0].(type) {
	case string:
		obj, _ := m.(map[string]any)
		if obj == nil {
			obj = map[string]any{}
		}
		obj[s] = markPath(obj[s], steps[1:])
		return obj
	case int:
		list, _ := m.([]any)
		for len(list) <= s {
			list = append(list, nil)
		}
		list[s] = markPath(list[s], steps[1:])
		return list
	}
	return m
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, tok)
	}
	return nil
}
