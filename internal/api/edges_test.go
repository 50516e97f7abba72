package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// nulCase is one request carrying U+0000 in one place, and the field the
// 400 must name.
type nulCase struct {
	method, path string
	body         any // nil: no body
	field        string
}

// nulBodies lists, for a JSON schema, one body per string it can hold
// (member values, array elements, map values and map keys), each with
// U+0000 in that one place, and the path the API must name.
func nulBodies(doc map[string]any, schema map[string]any, path string, depth int) []struct {
	body  any
	field string
} {
	type out = struct {
		body  any
		field string
	}
	if depth > 6 {
		return nil
	}
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		def, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
		return nulBodies(doc, def, path, depth+1)
	}
	typ, _ := schema["type"].(string)
	switch {
	case typ == "string":
		return []out{{"a\x00b", path}}
	case typ == "array":
		items, _ := schema["items"].(map[string]any)
		var res []out
		for _, c := range nulBodies(doc, items, path+"[0]", depth+1) {
			res = append(res, out{[]any{c.body}, c.field})
		}
		return res
	case typ == "object" || schema["properties"] != nil:
		var res []out
		props, _ := schema["properties"].(map[string]any)
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p := n
			if path != "" {
				p = path + "." + n
			}
			for _, c := range nulBodies(doc, props[n].(map[string]any), p, depth+1) {
				res = append(res, out{map[string]any{n: c.body}, c.field})
			}
		}
		if ap, ok := schema["additionalProperties"].(map[string]any); ok {
			key := "k"
			p := key
			if path != "" {
				p = path + "." + key
			}
			vs := nulBodies(doc, ap, p, depth+1)
			if len(ap) == 0 { // any value: a string will do
				vs = []out{{"a\x00b", p}}
			}
			for _, c := range vs {
				res = append(res, out{map[string]any{key: c.body}, c.field})
			}
			bad := "k\x00"
			if path != "" {
				res = append(res, out{map[string]any{bad: "v"}, path + `.k\u0000`})
			} else {
				res = append(res, out{map[string]any{bad: "v"}, `k\u0000`})
			}
		}
		return res
	}
	return nil
}

// TestNULRefusedInEveryStringAndQueryParameter sends U+0000 in every
// string of every request body the OpenAPI document describes, in every
// query parameter and in every path value of every route: each is a 400
// naming the field, never a 500, and nothing is written.
func TestNULRefusedInEveryStringAndQueryParameter(t *testing.T) {
	t.Parallel()
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
	var cases []nulCase
	for path, item := range doc["paths"].(map[string]any) {
		for method, opAny := range item.(map[string]any) {
			op := opAny.(map[string]any)
			method = strings.ToUpper(method)
			concrete := path
			if strings.HasPrefix(path, "/api/v1/artifacts/{id}") {
				concrete = strings.Replace(concrete, "{id}", fmt.Sprint(art.ID), 1)
			}
			for k, v := range values {
				concrete = strings.ReplaceAll(concrete, k, v)
			}
			params, _ := op["parameters"].([]any)
			for _, pa := range params {
				p := pa.(map[string]any)
				name := p["name"].(string)
				switch p["in"] {
				case "query":
					cases = append(cases, nulCase{method, concrete + "?" + name + "=a%00b", nil, name})
				case "path":
					if p["schema"].(map[string]any)["type"] == "string" {
						cases = append(cases, nulCase{method, strings.ReplaceAll(path, "{"+name+"}", "a%00b"), nil, name})
					}
				}
			}
			rb, _ := op["requestBody"].(map[string]any)
			if rb == nil || rb["description"] != nil { // plan bodies: TestNULInAPlanIsRefused
				continue
			}
			schema := rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
			for _, b := range nulBodies(doc, schema, "", 0) {
				cases = append(cases, nulCase{method, concrete, b.body, b.field})
			}
		}
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases: the sweep does not reach the API's strings", len(cases))
	}
	before := countRows(t, h)
	for _, c := range cases {
		t.Run(c.method+" "+c.path+" "+c.field, func(t *testing.T) {
			h := *h
			h.t = t
			body := c.body
			if body == nil && (c.method == "POST" || c.method == "PUT") {
				body = map[string]any{}
			}
			e := h.fails(c.method, c.path, "all", body, 400)
			if e.Error.Field != c.field {
				t.Errorf("field %q, want %q (%s)", e.Error.Field, c.field, e.Error.Message)
			}
			if !strings.Contains(e.Error.Message, "U+0000") {
				t.Errorf("message %q does not say what is wrong", e.Error.Message)
			}
		})
	}
	if after := countRows(t, h); after != before {
		t.Fatalf("refused requests wrote rows: %v before, %v after", before, after)
	}
}

func countRows(t *testing.T, h *harness) [4]int {
	t.Helper()
	var n [4]int
	for i, table := range []string{"environments", "releases", "artifacts", "api_tokens"} {
		if err := h.st.Pool().QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n[i]); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// TestNULInAPlanIsRefused: a plan whose resource address holds U+0000 is
// a 400 naming the plan, on both plan routes, and records nothing.
func TestNULInAPlanIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("prod")
	plan := `{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[` +
		`{"address":"terraform_data.a\u0000b","mode":"managed","type":"terraform_data","name":"a\u0000b",` +
		`"provider_name":"terraform.io/builtin/terraform","change":{"actions":["create"],"before":null,"after":{},"after_unknown":{}}}]}`
	e := h.fails("POST", "/api/v1/environments/prod/plans", "writer", plan, 400)
	if e.Error.Field != "plan" || !strings.Contains(e.Error.Message, "U+0000") {
		t.Fatalf("record plan: %+v", e.Error)
	}
	var rl apiwire.ReleaseList
	h.call("GET", "/api/v1/releases?environment=prod", "reader", nil, 200, &rl)
	if len(rl.Releases) != 0 {
		t.Fatalf("a refused plan left %d releases", len(rl.Releases))
	}
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "full-plan"})
	e = h.fails("POST", fmt.Sprintf("/api/v1/releases/%d/plan", rel.ID), "writer", plan, 400)
	if e.Error.Field != "plan" {
		t.Fatalf("ingest plan: %+v", e.Error)
	}
}

// TestUnknownEnvironmentIsNotFound: listing the releases of an environment
// that does not exist is a 404, as the environment's other routes are, not
// an empty list a "no failures" gate would pass.
func TestUnknownEnvironmentIsNotFound(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("prod")
	e := h.fails("GET", "/api/v1/releases?environment=prdo", "reader", nil, 404)
	if !strings.Contains(e.Error.Message, "prdo") {
		t.Fatalf("the 404 does not name the environment: %q", e.Error.Message)
	}
	h.fails("GET", "/api/v1/releases?environment=prdo&status=FAILED", "reader", nil, 404)
	h.fails("GET", "/api/v1/environments/prdo/outputs", "reader", nil, 404)
	h.fails("GET", "/api/v1/environments/prdo/resources", "reader", nil, 404)
	var rl apiwire.ReleaseList
	h.call("GET", "/api/v1/releases?environment=prod", "reader", nil, 200, &rl)
	if rl.Releases == nil || len(rl.Releases) != 0 {
		t.Fatalf("a known environment with no releases: %+v", rl)
	}
}

// TestNeverPlannedReleaseHasNoSummary: a release that never produced a
// plan carries "summary": null, unlike a real empty plan's zero counts.
func TestNeverPlannedReleaseHasNoSummary(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("prod")
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "terraform-apply"})
	code, body := h.do("GET", fmt.Sprintf("/api/v1/releases/%d", rel.ID), "reader", nil)
	var raw map[string]json.RawMessage
	if code != 200 || json.Unmarshal(body, &raw) != nil {
		t.Fatalf("GET release: %d %s", code, body)
	}
	if s, ok := raw["summary"]; !ok || string(s) != "null" {
		t.Fatalf("summary of a never-planned release is %s, want null", s)
	}
	h.finish(rel.ID, release.StatusQueued, release.StatusAborted)
	if r := h.get(rel.ID); r.Summary != nil {
		t.Fatalf("an aborted never-planned release has summary %+v", r.Summary)
	}

	empty := `{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[]}`
	var planned release.Release
	h.call("POST", "/api/v1/environments/prod/plans", "writer", empty, 201, &planned)
	if got := h.get(planned.ID); got.Summary == nil || got.Summary.Total() != 0 {
		t.Fatalf("an empty plan's summary is %+v, want zero counts", got.Summary)
	}
}

// TestRevokedTokenEndsItsStreams: a stream opened with a token that is
// then revoked ends with `event: revoked` saying why.
func TestRevokedTokenEndsItsStreams(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *api.Config) { c.MaxStream = time.Minute })
	h.env("prod")
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "terraform-apply"})
	secret, _, err := api.IssueToken(context.Background(), h.st, "ci", []string{"read"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/releases/%d/logs/stream", h.srv.URL, rel.ID), nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	// The stream is open (its retry line arrived): revoke the token.
	buf := make([]byte, 64)
	if _, err := resp.Body.Read(buf); err != nil {
		t.Fatal(err)
	}
	h.call("DELETE", "/api/v1/tokens/ci", "admin", nil, 204, nil)
	var rest strings.Builder
	b := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(b)
		rest.Write(b[:n])
		if err != nil {
			break
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("the stream stayed open after its token was revoked: %q", rest.String())
	}
	if !strings.Contains(rest.String(), "event: revoked\n") || !strings.Contains(rest.String(), "revoked") {
		t.Fatalf("the stream ended without saying why: %q", rest.String())
	}
}

// TestEnvironmentOutputs: the outputs route lists what ReplaceOutputs
// stored, a sensitive output without its value.
func TestEnvironmentOutputs(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("prod")
	var ol apiwire.OutputList
	h.call("GET", "/api/v1/environments/prod/outputs", "reader", nil, 200, &ol)
	if ol.Outputs == nil || len(ol.Outputs) != 0 {
		t.Fatalf("outputs of a never-applied environment: %+v", ol)
	}
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "terraform-apply"})
	err := h.st.ReplaceOutputs(context.Background(), rel.ID, []release.Output{
		{Name: "url", Value: "https://shop.example", Type: "string"},
		{Name: "password", Value: "hunter22", Type: "string", Sensitive: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	code, body := h.do("GET", "/api/v1/environments/prod/outputs", "reader", nil)
	if code != 200 || strings.Contains(string(body), "hunter22") {
		t.Fatalf("outputs: %d %s", code, body)
	}
	if err := json.Unmarshal(body, &ol); err != nil {
		t.Fatal(err)
	}
	want := []release.Output{
		{Name: "password", Type: "string", Sensitive: true, ReleaseID: rel.ID},
		{Name: "url", Value: "https://shop.example", Type: "string", ReleaseID: rel.ID},
	}
	if fmt.Sprint(ol.Outputs) != fmt.Sprint(want) {
		t.Fatalf("outputs %+v, want %+v", ol.Outputs, want)
	}
}
