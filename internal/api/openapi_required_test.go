package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

type schemaDoc struct {
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required"`
}

// schemas is the OpenAPI document's components/schemas, read over HTTP.
func schemas(t *testing.T, h *harness) map[string]schemaDoc {
	t.Helper()
	var doc struct {
		Components struct {
			Schemas map[string]schemaDoc `json:"schemas"`
		} `json:"components"`
	}
	h.call("GET", "/api/v1/openapi.json", "reader", nil, 200, &doc)
	return doc.Components.Schemas
}

// keysOf is the members of a JSON object.
func keysOf(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return m
}

func TestOpenAPIRequiredMembers(t *testing.T) {
	t.Parallel()
	t.Run("known schemas", func(t *testing.T) {
		s := schemas(t, newHarness(t))
		for schema, want := range map[string][]string{
			"Release":            {"id", "status", "phases", "environment", "duration_ms"},
			"Phase":              {"name", "status", "duration_ms"},
			"ErrorBody":          {"error"},
			"Error":              {"code", "message"},
			"EnvironmentDeleted": {"environment", "releases", "state_versions", "outputs"},
			"ReleaseList":        {"releases"},
		} {
			for _, m := range want {
				if !slices.Contains(s[schema].Required, m) {
					t.Errorf("schema %s: required %v lacks %s", schema, s[schema].Required, m)
				}
			}
		}
		for schema, optional := range map[string]string{"Error": "field", "ReleaseList": "next_cursor"} {
			if slices.Contains(s[schema].Required, optional) {
				t.Errorf("schema %s: %s is omitempty but listed required", schema, optional)
			}
		}
	})
	t.Run("request-only schemas require nothing", func(t *testing.T) {
		s := schemas(t, newHarness(t))
		for _, schema := range []string{"EnvironmentRequest", "CreateReleaseRequest", "TokenRequest"} {
			if len(s[schema].Required) != 0 {
				t.Errorf("request schema %s lists required %v (the server defaults those)", schema, s[schema].Required)
			}
		}
	})
	t.Run("every required member is a property", func(t *testing.T) {
		for name, sc := range schemas(t, newHarness(t)) {
			for _, m := range sc.Required {
				if _, ok := sc.Properties[m]; !ok {
					t.Errorf("schema %s requires %s, which is not among its properties", name, m)
				}
			}
		}
	})
	t.Run("answers carry their required members", func(t *testing.T) {
		h := newHarness(t)
		s := schemas(t, h)
		h.env("shop")
		r := h.createRelease(apiwire.CreateReleaseRequest{Environment: "shop", Template: "terraform-apply"})
		_, body := h.do("GET", fmt.Sprintf("/api/v1/releases/%d", r.ID), "reader", nil)
		rel := keysOf(t, body)
		for _, m := range s["Release"].Required {
			if _, ok := rel[m]; !ok {
				t.Errorf("a queued release's answer lacks required %s", m)
			}
		}
		var phases []json.RawMessage
		if err := json.Unmarshal(rel["phases"], &phases); err != nil {
			t.Fatal(err)
		}
		if len(phases) == 0 {
			t.Fatal("the release has no phases")
		}
		for _, m := range s["Phase"].Required {
			if _, ok := keysOf(t, phases[0])[m]; !ok {
				t.Errorf("a phase's answer lacks required %s", m)
			}
		}
		_, body = h.do("GET", "/api/v1/releases/999999", "reader", nil)
		e := keysOf(t, keysOf(t, body)["error"])
		for _, m := range s["Error"].Required {
			if _, ok := e[m]; !ok {
				t.Errorf("a 404's error lacks required %s", m)
			}
		}
	})
}
