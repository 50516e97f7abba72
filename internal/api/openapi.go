package api

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Zero values naming the response types of the route table.
var (
	releaseT  = release.Release{}
	artifactT = release.Artifact{}
)

// enums gives the values of the domain's string types.
var enums = map[reflect.Type]any{
	reflect.TypeFor[release.Status]():                release.Statuses,
	reflect.TypeFor[release.Type]():                  release.Types,
	reflect.TypeFor[release.DeploymentType]():        []release.DeploymentType{release.DeploymentRegular, release.DeploymentCustom, release.DeploymentRollback},
	reflect.TypeFor[release.Action]():                release.Actions,
	reflect.TypeFor[release.ChangeAction]():          changeActions,
	reflect.TypeFor[release.ChangeKind]():            []release.ChangeKind{release.KindResource, release.KindOutput, release.KindDrift},
	reflect.TypeFor[release.HealthStatus]():          release.HealthStatuses,
	reflect.TypeFor[release.SyncStatus]():            []release.SyncStatus{release.InSync, release.OutOfSync},
	reflect.TypeFor[release.Stream]():                []release.Stream{release.Stdout, release.Stderr, release.System},
	reflect.TypeFor[release.SignOffStatus]():         []release.SignOffStatus{release.SignOffApproved, release.SignOffRejected},
	reflect.TypeFor[release.ReplaceOrder]():          []release.ReplaceOrder{release.DeleteThenCreate, release.CreateThenDelete},
	reflect.TypeFor[release.ResourceReleaseStatus](): []release.ResourceReleaseStatus{release.ResourceQueued, release.ResourceFailed, release.ResourceInProgress, release.ResourceCompleted},
	reflect.TypeFor[release.PhaseStatus]():           release.PhaseStatuses,
}

// extraProperties are members a type's MarshalJSON adds.
var extraProperties = map[reflect.Type]map[string]any{
	reflect.TypeFor[release.Release](): {"duration_ms": map[string]any{"type": []string{"integer", "null"}, "description": "time taken, start to finish"}},
	reflect.TypeFor[release.Phase]():   {"duration_ms": map[string]any{"type": []string{"integer", "null"}, "description": "time taken"}},
}

var (
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[time.Duration]()
)

// schemaGen derives JSON Schemas from Go types through their json tags.
type schemaGen struct {
	defs  map[string]any
	names map[reflect.Type]string
}

func (g *schemaGen) of(t reflect.Type) map[string]any {
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case durationType:
		return map[string]any{"type": "integer", "description": "nanoseconds"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.of(t.Elem())
	case reflect.String:
		s := map[string]any{"type": "string"}
		if e, ok := enums[t]; ok {
			s["enum"] = e
		}
		return s
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.of(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		return g.ref(t)
	}
	return map[string]any{}
}

// ref defines a named struct once under components/schemas.
func (g *schemaGen) ref(t reflect.Type) map[string]any {
	name, ok := g.names[t]
	if !ok {
		name = t.Name()
		if _, taken := g.defs[name]; taken || name == "" {
			name = pkgName(t) + "." + t.Name()
		}
		g.names[t] = name
		g.defs[name] = nil // reserve: recursive types refer to it
		g.defs[name] = g.object(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func pkgName(t reflect.Type) string {
	p := t.PkgPath()
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	g.fields(t, props)
	for k, v := range extraProperties[t] {
		props[k] = v
	}
	return map[string]any{"type": "object", "properties": props}
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name := tag
		for j := range len(tag) {
			if tag[j] == ',' {
				name = tag[:j]
				break
			}
		}
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				g.fields(et, props)
				for k, v := range extraProperties[et] {
					props[k] = v
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.of(f.Type)
	}
}

var pathParamRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// OpenAPI returns the API's OpenAPI 3.1 document, built from the route
// table the server is built from.
func OpenAPI() map[string]any {
	g := &schemaGen{defs: map[string]any{}, names: map[reflect.Type]string{}}
	errorRef := g.of(reflect.TypeFor[apiwire.ErrorBody]())
	answers := []reflect.Type{reflect.TypeFor[apiwire.ErrorBody](), reflect.TypeFor[release.LogEntry](),
		reflect.TypeFor[apiwire.StreamEnd](), reflect.TypeFor[apiwire.StreamTimeout](), reflect.TypeFor[apiwire.StreamRevoked]()}
	paths := map[string]any{}
	for _, rt := range routes() {
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		op := map[string]any{"operationId": rt.ID, "summary": rt.Summary}
		var params []any
		for _, m := range pathParamRE.FindAllStringSubmatch(rt.Path, -1) {
			typ := "string"
			if m[1] == "id" {
				typ = "integer"
			}
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": typ}})
		}
		for _, p := range rt.Query {
			params = append(params, paramDoc(p, "query"))
		}
		for _, p := range rt.Headers {
			params = append(params, paramDoc(p, "header"))
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		switch {
		case rt.Body != nil:
			op["requestBody"] = map[string]any{"required": !rt.BodyOptional, "content": map[string]any{
				"application/json": map[string]any{"schema": g.of(reflect.TypeOf(rt.Body))}}}
		case rt.BodyMedia != "":
			op["requestBody"] = map[string]any{"required": true, "description": rt.BodyDoc, "content": map[string]any{
				rt.BodyMedia: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}}
		case rt.BodyDoc != "":
			op["requestBody"] = map[string]any{"required": true, "description": rt.BodyDoc, "content": map[string]any{
				"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}
		}
		ok := map[string]any{"description": http.StatusText(rt.Status)}
		switch {
		case rt.Resp != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.of(reflect.TypeOf(rt.Resp))}}
			answers = append(answers, reflect.TypeOf(rt.Resp))
		case rt.RespMedia != "":
			ok["description"] = rt.RespDoc
			ok["content"] = map[string]any{rt.RespMedia: map[string]any{"schema": map[string]any{"type": "string"}}}
		}
		if rt.RespMedia == "text/event-stream" {
			ok["x-events"] = map[string]any{
				"log":     g.of(reflect.TypeFor[release.LogEntry]()),
				"end":     g.of(reflect.TypeFor[apiwire.StreamEnd]()),
				"timeout": g.of(reflect.TypeFor[apiwire.StreamTimeout]()),
				"revoked": g.of(reflect.TypeFor[apiwire.StreamRevoked]()),
			}
		}
		responses := map[string]any{strconv.Itoa(rt.Status): ok}
		errs := rt.Errors
		if rt.Scope != apiwire.ScopeNone {
			op["security"] = []any{map[string]any{"bearer": []string{}}}
			op["x-scope"] = string(rt.Scope)
			errs = append([]int{401, 403}, errs...)
		} else {
			op["security"] = []any{}
		}
		if len(rt.Query) > 0 || len(pathParamRE.FindAllString(rt.Path, -1)) > 0 {
			errs = append(errs, 400)
		}
		for _, code := range errs {
			responses[strconv.Itoa(code)] = map[string]any{"description": http.StatusText(code),
				"content": map[string]any{"application/json": map[string]any{"schema": errorRef}}}
		}
		op["responses"] = responses
		item[lower(rt.Method)] = op
	}
	g.markRequired(answers)
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "shiplog API",
			"version": "v1",
			"description": "Records Terraform releases. Every route but /healthz, /readyz and /metrics needs " +
				"`Authorization: Bearer <token>` with the scope in x-scope (admin implies every scope). " +
				"Lists page with an opaque next_cursor (absent on the last page); limit defaults to 50, at most 500.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas":         g.defs,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
}

func paramDoc(p param, in string) map[string]any {
	typ := p.Type
	if typ == "" {
		typ = "string"
	}
	d := map[string]any{"name": p.Name, "in": in, "required": p.Required, "schema": map[string]any{"type": typ}}
	if p.Desc != "" {
		d["description"] = p.Desc
	}
	return d
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
