package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
)

// Every route of the OpenAPI document, with every token: a route needing
// a scope answers 401 without a valid token and 403 without the scope
// (admin has every scope); public routes need nothing.
func TestEveryScopeBoundary(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env("prod")
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "prod", Template: "full-plan"})
	h.claim(rel.ID)
	h.finish(rel.ID, release.StatusInProgress, release.StatusSucceeded)
	var art release.Artifact
	h.call("POST", "/api/v1/artifacts", "writer", apiwire.ArtifactRequest{URI: "oci://x/y:1"}, 201, &art)
	secret, _, err := api.IssueToken(context.Background(), h.st, "revoked", []string{"admin"})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.st.RevokeToken(context.Background(), "revoked"); err != nil {
		t.Fatal(err)
	}
	h.tokens["revoked"] = secret
	h.tokens["malformed"] = "shp_short"
	h.tokens["bogus"] = "shp_" + strings.Repeat("A", 43)

	scopesOf := map[string][]string{"reader": {"read"}, "writer": {"write"}, "approver": {"approve"}, "admin": {"admin"}, "pipeline": {"read", "write"}}
	doc := api.OpenAPI()
	checked := 0
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			scope, _ := op.(map[string]any)["x-scope"].(string)
			p := strings.NewReplacer("{id}", fmt.Sprint(rel.ID), "{name}", "nobody").Replace(path)
			if strings.HasPrefix(path, "/api/v1/environments/{name}") {
				p = strings.Replace(path, "{name}", "prod", 1)
			}
			if strings.HasPrefix(path, "/api/v1/artifacts/{id}") {
				p = strings.Replace(path, "{id}", fmt.Sprint(art.ID), 1)
			}
			m := strings.ToUpper(method)
			var body any
			if m == "POST" || m == "PUT" {
				body = "{}"
			}
			for _, tok := range []string{"", "malformed", "bogus", "revoked", "reader", "writer", "approver", "pipeline", "admin"} {
				code, b := h.do(m, p, tok, body)
				var want string
				switch {
				case scope == "":
					want = "not 401/403"
				case tok == "" || tok == "malformed" || tok == "bogus" || tok == "revoked":
					want = "401"
				case slices.Contains(scopesOf[tok], scope) || tok == "admin":
					want = "not 401/403"
				default:
					want = "403"
				}
				ok := (want == "401" && code == 401) || (want == "403" && code == 403) || (want == "not 401/403" && code != 401 && code != 403)
				if !ok {
					t.Errorf("%s %s (scope %q) as %q: %d, want %s: %s", m, p, scope, tok, code, want, b)
				}
				if code == 401 || code == 403 {
					var e apiError
					if json.Unmarshal(b, &e) != nil || (code == 401 && e.Error.Code != "unauthorized") || (code == 403 && e.Error.Code != "forbidden") {
						t.Errorf("%s %s as %q: error body %s", m, p, tok, b)
					}
				}
				checked++
			}
		}
	}
	if checked < 30*9 {
		t.Fatalf("checked only %d route/token pairs", checked)
	}
}

// Tokens: shown once, stored hashed, listed without secrets, revoked at
// once — through the API, or through the database (shiplog token revoke)
// in another process, which reaches the server's cache by notification.
func TestTokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *api.Config) { c.TokenCacheTTL = time.Hour })
	var nt apiwire.NewToken
	h.call("POST", "/api/v1/tokens", "admin", apiwire.TokenRequest{Name: "ci", Scopes: []string{"write", "read", "read"}}, 201, &nt)
	if !strings.HasPrefix(nt.Secret, "shp_") {
		t.Fatalf("new token: %+v", nt)
	}
	if len(nt.Secret) != 47 {
		t.Fatalf("new token: %+v", nt)
	}
	if !slices.Equal(nt.Scopes, []string{"read", "write"}) {
		t.Fatalf("new token: %+v", nt)
	}
	h.tokens["ci"] = nt.Secret
	h.call("GET", "/api/v1/releases", "ci", nil, 200, nil)
	h.fails("GET", "/api/v1/tokens", "ci", nil, 403)
	_, body := h.do("GET", "/api/v1/tokens", "admin", nil)
	if strings.Contains(string(body), nt.Secret) {
		t.Fatalf("token list: %s", body)
	}
	if strings.Contains(string(body), "secret") {
		t.Fatalf("token list: %s", body)
	}
	if !strings.Contains(string(body), `"ci"`) {
		t.Fatalf("token list: %s", body)
	}
	h.fails("POST", "/api/v1/tokens", "admin", apiwire.TokenRequest{Name: "ci", Scopes: []string{"read"}}, 409)
	if e := h.fails("POST", "/api/v1/tokens", "admin", apiwire.TokenRequest{Name: "x", Scopes: []string{"root"}}, 400); e.Error.Field != "scopes" {
		t.Fatalf("bad scope: %+v", e)
	}
	if e := h.fails("POST", "/api/v1/tokens", "admin", apiwire.TokenRequest{Name: "no spaces", Scopes: []string{"read"}}, 400); e.Error.Field != "name" {
		t.Fatalf("bad name: %+v", e)
	}
	h.call("DELETE", "/api/v1/tokens/ci", "admin", nil, 204, nil)
	h.fails("GET", "/api/v1/releases", "ci", nil, 401)
	h.fails("DELETE", "/api/v1/tokens/ci", "admin", nil, 409)
	h.fails("DELETE", "/api/v1/tokens/nobody", "admin", nil, 404)

	// Revoked behind the server's back, as `shiplog token revoke` does.
	h.call("GET", "/api/v1/releases", "reader", nil, 200, nil) // cached now
	if err := h.st.RevokeToken(context.Background(), "reader"); err != nil {
		t.Fatal(err)
	}
	// The revocation reaches the server's token cache through an
	// announcement the test cannot observe: ask until it is refused.
	testutil.Eventually(t, "a token revoked in the database to be refused", 5*time.Second, func() bool {
		code, _ := h.do("GET", "/api/v1/releases", "reader", nil)
		return code == http.StatusUnauthorized
	})
	// Who did what is the token's name.
	h.env("stage")
	rel := h.createRelease(apiwire.CreateReleaseRequest{Environment: "stage", Template: "full-plan"})
	if rel.TriggeredBy != "pipeline" {
		t.Fatalf("triggered_by %q", rel.TriggeredBy)
	}
	// No secret is stored: only its SHA-256.
	ts, err := h.st.ListTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range ts {
		if tok.Name == "ci" && (!slices.Equal(tok.Hash, api.HashToken(nt.Secret)) || strings.Contains(string(tok.Hash), "shp_")) {
			t.Fatalf("stored token: %+v", tok)
		}
	}
}
