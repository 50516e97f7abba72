package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
)

// TestRolesNarrowWhatAPersonReads: a person whose only role is approver
// on stage (through a group) reads stage's releases and nothing of prod
// or dev — not in the overview, the lists, the pages, nor the API their
// session cookie reaches — and each refusal names the role and the
// environment. A token's read scope still reads every environment.
func TestRolesNarrowWhatAPersonReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t).seed()
	admin := service.Caller{Name: "root", Scopes: []string{"admin"}}
	if _, err := h.api.Service().GrantRole(ctx, admin, apiwire.RoleBindingRequest{SubjectKind: "group", Subject: "stagers",
		Role: apiwire.RoleApprover, Environment: "stage"}); err != nil {
		t.Fatal(err)
	}
	sid, err := h.api.PersonLogin(ctx, "erin", []string{"stagers"})
	if err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	u, _ := url.Parse(h.srv.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: api.SessionCookie, Value: sid, Path: "/"}})

	status, body, _ := b.get("/")
	if status != http.StatusOK {
		t.Fatalf("overview: %d", status)
	}
	if !strings.Contains(body, fmt.Sprintf(`href="/releases/%d"`, h.fx.pending)) || !strings.Contains(body, `href="/environments/stage"`) {
		t.Error("the overview does not show stage or its waiting release to a stage approver")
	}
	for _, leak := range []string{fmt.Sprintf(`href="/releases/%d"`, h.fx.failed), fmt.Sprintf(`href="/releases/%d"`, h.fx.running),
		`href="/environments/prod"`, `href="/environments/dev"`} {
		if strings.Contains(body, leak) {
			t.Errorf("the overview shows %s to a person with no role on prod or dev", leak)
		}
	}
	if _, body, _ := b.get("/releases"); strings.Contains(body, fmt.Sprintf(`href="/releases/%d"`, h.fx.failed)) ||
		!strings.Contains(body, fmt.Sprintf(`href="/releases/%d"`, h.fx.pending)) {
		t.Error("the releases page lists prod's failed release, or not stage's waiting one, to a stage approver")
	}
	for _, page := range []struct{ path, env string }{
		{fmt.Sprintf("/releases/%d", h.fx.failed), "prod"},
		{fmt.Sprintf("/releases/%d/logs", h.fx.failed), "prod"},
		{fmt.Sprintf("/releases/%d/changes", h.fx.planned), "prod"},
		{"/environments/dev", "dev"},
		{"/environments/prod/queue", "prod"},
		{fmt.Sprintf("/compare?base=%d&head=%d", h.fx.pending, h.fx.failed), "prod"},
	} {
		status, body, _ := b.get(page.path)
		if want := "needs the viewer role on environment " + page.env; status != http.StatusForbidden || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, want 403 saying %q", page.path, status, want)
		}
	}
	if status, _, _ := b.get(fmt.Sprintf("/releases/%d", h.fx.pending)); status != http.StatusOK {
		t.Errorf("stage's waiting release page: %d, want 200", status)
	}

	apiGet := func(path, bearer string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}
	if status, out := apiGet(fmt.Sprintf("/api/v1/releases/%d", h.fx.failed), ""); status != http.StatusForbidden ||
		!strings.Contains(string(out), "needs the viewer role on environment prod") {
		t.Errorf("API read of prod's release with erin's session: %d %s, want 403 naming viewer on prod", status, out)
	}
	var list apiwire.ReleaseList
	status, out := apiGet("/api/v1/releases", "")
	if err := json.Unmarshal(out, &list); status != http.StatusOK || err != nil || len(list.Releases) == 0 {
		t.Fatalf("API release list with erin's session: %d %s", status, out)
	}
	for _, r := range list.Releases {
		if r.Environment != "stage" {
			t.Errorf("the API lists release %d of %s to a person with a role on stage only", r.ID, r.Environment)
		}
	}
	var envs apiwire.EnvironmentList
	status, out = apiGet("/api/v1/environments", "")
	if err := json.Unmarshal(out, &envs); status != http.StatusOK || err != nil || len(envs.Environments) != 1 || envs.Environments[0].Name != "stage" {
		t.Errorf("API environment list with erin's session: %d %s, want stage alone", status, out)
	}
	// an existing token's read scope is the viewer role on every environment
	if status, out := apiGet(fmt.Sprintf("/api/v1/releases/%d", h.fx.failed), h.tokens["reader"]); status != http.StatusOK {
		t.Errorf("the read token reading prod's release: %d %s, want 200", status, out)
	}
}
