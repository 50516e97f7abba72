package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// utf8Case is one request carrying the byte 0xFF (never valid UTF-8) in
// one place, the route it is sent to, and the field the 400 must name.
type utf8Case struct {
	route        string // "METHOD /path" as the OpenAPI document has it
	method, path string
	body         []byte // nil: no body
	field        string
}

// TestInvalidUTF8RefusedOnEveryRoute sends %FF on every route of the
// OpenAPI document: as a query parameter's name (every route), in every
// query parameter's value, in every path value, and as a raw 0xFF byte in
// every string of every JSON request body. Each is a 400 naming the field
// and saying it is not UTF-8, never a 500, and nothing is written.
func TestInvalidUTF8RefusedOnEveryRoute(t *testing.T) {
	h := newHarness(t)
	h.env("prod")
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "terraform-apply"})
	var art release.Artifact
	h.call("POST", "/api/v1/artifacts", "writer", apiwire.ArtifactRequest{URI: "oci://web:1"}, 201, &art)
	all, _, err := api.IssueToken(context.Background(), h.st, "all", []string{"admin"})
	if err != nil {
		t.Fatal(err)
	}
	h.tokens["all"] = all
	values := map[string]string{"{name}": "prod", "{id}": fmt.Sprint(rel.ID)}

	doc := api.OpenAPI()
	var cases []utf8Case
	routes := map[string]bool{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, opAny := range item.(map[string]any) {
			op := opAny.(map[string]any)
			method = strings.ToUpper(method)
			route := method + " " + path
			routes[route] = true
			fill := func(path string) string {
				if strings.HasPrefix(path, "/api/v1/artifacts/{id}") {
					path = strings.Replace(path, "{id}", fmt.Sprint(art.ID), 1)
				}
				for k, v := range values {
					path = strings.ReplaceAll(path, k, v)
				}
				return path
			}
			concrete := fill(path)
			cases = append(cases, utf8Case{route, method, concrete + "?a%FFb=1", nil, "a\uFFFDb"})
			params, _ := op["parameters"].([]any)
			for _, pa := range params {
				p := pa.(map[string]any)
				name := p["name"].(string)
				switch p["in"] {
				case "query":
					cases = append(cases, utf8Case{route, method, concrete + "?" + name + "=a%FFb", nil, name})
				case "path":
					cases = append(cases, utf8Case{route, method, fill(strings.ReplaceAll(path, "{"+name+"}", "a%FFb")), nil, name})
				}
			}
			rb, _ := op["requestBody"].(map[string]any)
			if rb == nil || rb["description"] != nil { // plan bodies: TestInvalidUTF8InAPlanIsRefused
				continue
			}
			schema := rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
			for _, b := range nulBodies(doc, schema, "", 0) {
				j, err := json.Marshal(b.body)
				if err != nil {
					t.Fatal(err)
				}
				// the one NUL the body holds becomes a raw 0xFF byte
				j = bytes.Replace(j, []byte(`\u0000`), []byte{0xFF}, 1)
				cases = append(cases, utf8Case{route, method, concrete, j, strings.ReplaceAll(b.field, `\u0000`, "\uFFFD")})
			}
		}
	}
	if len(routes) < 40 || len(cases) < 100 {
		t.Fatalf("only %d routes and %d cases: the sweep does not reach the API's inputs", len(routes), len(cases))
	}
	before := countRows(t, h)
	refused := map[string]bool{}
	for _, c := range cases {
		t.Run(c.route+" "+c.field, func(t *testing.T) {
			h := *h
			h.t = t
			var body any
			if c.body != nil {
				body = c.body
			} else if c.method == "POST" || c.method == "PUT" {
				body = "{}"
			}
			e := h.fails(c.method, c.path, "all", body, 400)
			if e.Error.Field != c.field {
				t.Errorf("field %q, want %q (%s)", e.Error.Field, c.field, e.Error.Message)
			}
			if !strings.Contains(e.Error.Message, "not valid UTF-8") {
				t.Errorf("message %q does not say what is wrong", e.Error.Message)
			}
			if !t.Failed() {
				refused[c.route] = true
			}
		})
	}
	for r := range routes {
		if !refused[r] {
			t.Errorf("route %s: no request with invalid UTF-8 was refused as such", r)
		}
	}
	if after := countRows(t, h); after != before {
		t.Fatalf("refused requests wrote rows: %v before, %v after", before, after)
	}
}

// TestInvalidUTF8InAPlanIsRefused: a plan whose resource address holds a
// byte that is not UTF-8 is a 400 naming the plan, on both plan routes,
// and records nothing.
func TestInvalidUTF8InAPlanIsRefused(t *testing.T) {
	h := newHarness(t)
	h.env("prod")
	plan := `{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[` +
		`{"address":"terraform_data.a` + "\xff" + `b","mode":"managed","type":"terraform_data","name":"a` + "\xff" + `b",` +
		`"provider_name":"terraform.io/builtin/terraform","change":{"actions":["create"],"before":null,"after":{"v":"x` + "\xff" + `"},"after_unknown":{}}}]}`
	e := h.fails("POST", "/api/v1/environments/prod/plans", "writer", plan, 400)
	if e.Error.Field != "plan" || !strings.Contains(e.Error.Message, "not valid UTF-8") {
		t.Fatalf("record plan: %+v", e.Error)
	}
	var rl apiwire.ReleaseList
	h.call("GET", "/api/v1/releases?environment=prod", "reader", nil, 200, &rl)
	if len(rl.Releases) != 0 {
		t.Fatalf("a refused plan left %d releases", len(rl.Releases))
	}
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "full-plan"})
	e = h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/plan", rel.ID), "writer", plan, 400)
	if e.Error.Field != "plan" || !strings.Contains(e.Error.Message, "not valid UTF-8") {
		t.Fatalf("ingest plan: %+v", e.Error)
	}
}

// TestInvalidUTF8InHeadersIsRefused: the headers the API reads refuse a
// value that is not UTF-8 for what it is, never with a 500: a bearer
// token is not a token (401), a Last-Event-ID is no log position (400
// naming it), a Content-Type no JSON (415).
func TestInvalidUTF8InHeadersIsRefused(t *testing.T) {
	h := newHarness(t)
	h.env("prod")
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "terraform-apply"})
	for _, tc := range []struct {
		name, method, path, header, value string
		status                            int
		field                             string
	}{
		{"Authorization", "GET", "/api/v1/releases", "Authorization", "Bearer shp_\xff\xfe", 401, ""},
		{"Last-Event-ID", "GET", fmt.Sprintf("/api/v1/releases/%d/logs/stream", rel.ID), "Last-Event-ID", "1\xff", 400, "Last-Event-ID"},
		{"Content-Type", "POST", "/api/v1/artifacts", "Content-Type", "application/\xffjson", 415, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, h.srv.URL+tc.path, strings.NewReader(`{"artifact_uri":"oci://web:2"}`))
			if err != nil {
				t.Fatal(err)
			}
			if tc.header != "Authorization" {
				req.Header.Set("Authorization", "Bearer "+h.tokens["pipeline"])
			}
			req.Header[tc.header] = []string{tc.value}
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e apiError
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("status %d, body not a JSON error: %v", resp.StatusCode, err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %+v", resp.StatusCode, tc.status, e.Error)
			}
			if e.Error.Field != tc.field {
				t.Errorf("field %q, want %q", e.Error.Field, tc.field)
			}
		})
	}
}
