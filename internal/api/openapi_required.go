package api

import (
	"reflect"
	"slices"
	"strings"
)

// markRequired gives each object schema an answer can carry its required
// list: the members always present, those without omitempty (or omitzero)
// and those a MarshalJSON always adds. A schema only requests use gets
// none: a member the server defaults is not one a client must send, and
// the server names any missing one in its 400.
func (g *schemaGen) markRequired(answers []reflect.Type) {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			walk(t.Elem())
			return
		case reflect.Struct:
		default:
			return
		}
		if t == timeType || seen[t] {
			return
		}
		seen[t] = true
		if name, ok := g.names[t]; ok {
			if def, ok := g.defs[name].(map[string]any); ok {
				if req := requiredMembers(t); len(req) > 0 {
					def["required"] = req
				}
			}
		}
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() || f.Anonymous {
				walk(f.Type)
			}
		}
	}
	for _, t := range answers {
		walk(t)
	}
}

// requiredMembers are the JSON members of struct t that encoding/json
// always writes, sorted.
func requiredMembers(t reflect.Type) []string {
	set := map[string]bool{}
	var collect func(t reflect.Type)
	collect = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				et := f.Type
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if et.Kind() == reflect.Struct {
					collect(et)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			optional := false
			for _, o := range strings.Split(opts, ",") {
				optional = optional || o == "omitempty" || o == "omitzero"
			}
			if optional {
				delete(set, name)
				continue
			}
			set[name] = true
		}
		for k := range extraProperties[t] {
			set[k] = true
		}
	}
	collect(t)
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
