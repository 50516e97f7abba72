package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The OpenAPI document lists every route the server serves and nothing
// else: the patterns the server gave its mux are exactly the document's
// operations, and the mux really routes each documented operation to it.
func TestOpenAPIListsExactlyTheServedRoutes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	h.call("GET", "/api/v1/openapi.json", "reader", nil, 200, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	served := h.api.Patterns()
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Fatalf("documented and served routes differ:\ndocumented: %v\nserved:     %v", documented, served)
	}
	// Ask the handler itself: each documented operation reaches a route
	// (not the 404/405 of an unmatched request), and the other methods
	// on the same paths do not.
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	for path, ops := range doc.Paths {
		concrete := param.ReplaceAllString(path, "1")
		for _, m := range methods {
			_, documented := ops[strings.ToLower(m)]
			req := httptest.NewRequest(m, concrete, nil)
			rec := httptest.NewRecorder()
			h.api.Handler().ServeHTTP(rec, req)
			unmatched := rec.Code == http.StatusMethodNotAllowed || (rec.Code == http.StatusNotFound && strings.Contains(rec.Body.String(), "no route"))
			if documented && unmatched {
				t.Errorf("%s %s is documented but not served: %d %s", m, path, rec.Code, rec.Body)
			}
			if !documented && !unmatched {
				t.Errorf("%s %s is served (%d) but not documented", m, path, rec.Code)
			}
		}
	}
	// Every documented operation has an id, a summary and responses.
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op struct {
				OperationID string                     `json:"operationId"`
				Summary     string                     `json:"summary"`
				Responses   map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Error(err)
			}
			if op.OperationID == "" || op.Summary == "" || len(op.Responses) == 0 {
				t.Errorf("%s %s: incomplete operation %s", method, path, raw)
			}
		}
	}
}
