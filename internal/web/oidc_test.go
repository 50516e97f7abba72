package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/oidclogin"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/web"
)

// TestOIDCCallbackOverHTTP: the pages' sign-in routes with a real provider
// on loopback, followed by a plain HTTP client: the binding cookie is
// HttpOnly and scoped to /auth/oidc, the callback opens a session and goes
// back to the page asked for; the same callback again (a replayed state)
// and a callback without the binding cookie are refused with a 403 page
// saying why, audited as refused sign-ins, and open no session.
func TestOIDCCallbackOverHTTP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	idp, st, _, base := oidcPages(t, "")
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (*http.Response, string) {
		t.Helper()
		resp, err := c.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	// begin: shiplog sets the binding cookie and sends the browser to the provider
	begin := func() string {
		t.Helper()
		idp.QueueUser(&mockoidc.MockUser{Subject: "u-2", Email: "sam@example.com", PreferredUsername: "sam", Groups: []string{"ops"}})
		resp, _ := get(base + "/auth/oidc/login?next=" + url.QueryEscape("/releases?env=staging"))
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), idp.AuthorizationEndpoint()) {
			t.Fatalf("/auth/oidc/login: %d to %q, want a redirect to the provider", resp.StatusCode, resp.Header.Get("Location"))
		}
		var binding *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == oidclogin.BindingCookie {
				binding = ck
			}
		}
		if binding == nil || !binding.HttpOnly || binding.Path != "/auth/oidc" || binding.SameSite != http.SameSiteLaxMode {
			t.Errorf("binding cookie %+v, want HttpOnly, SameSite=Lax, path /auth/oidc", binding)
		}
		back, _ := get(resp.Header.Get("Location"))
		if back.StatusCode != http.StatusFound || !strings.HasPrefix(back.Header.Get("Location"), base+"/auth/oidc/callback?") {
			t.Fatalf("the provider answered %d to %q, want a redirect to the callback", back.StatusCode, back.Header.Get("Location"))
		}
		return back.Header.Get("Location")
	}
	sessionCookie := func() string {
		u, _ := url.Parse(base)
		for _, ck := range jar.Cookies(u) {
			if ck.Name == api.SessionCookie {
				return ck.Value
			}
		}
		return ""
	}

	callback := begin()
	resp, body := get(callback)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/releases?env=staging" || sessionCookie() == "" {
		t.Fatalf("callback: %d to %q (session cookie %t): %.300s", resp.StatusCode, resp.Header.Get("Location"), sessionCookie() != "", body)
	}
	signedIn := sessionCookie()

	t.Run("a replayed state", func(t *testing.T) {
		resp, body := get(callback)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "already used") {
			t.Errorf("the same callback again: %d, want 403 saying the sign-in was already used: %.500s", resp.StatusCode, body)
		}
		if sessionCookie() != signedIn {
			t.Error("a replayed callback changed the session cookie")
		}
	})
	t.Run("a callback without the binding cookie", func(t *testing.T) {
		callback := begin()
		u, _ := url.Parse(base + "/auth/oidc/")
		jar.SetCookies(u, []*http.Cookie{{Name: oidclogin.BindingCookie, Value: "", Path: "/auth/oidc", MaxAge: -1}})
		resp, body := get(callback)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "another browser") {
			t.Errorf("callback without the binding cookie: %d, want 403 saying it began in another browser: %.500s", resp.StatusCode, body)
		}
	})
	evs, err := st.ListAudit(ctx, store.AuditFilter{Kind: "session.sign_in"})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range evs {
		outcomes[e.Actor+":"+e.Outcome]++
	}
	if outcomes["sam:ok"] != 1 || outcomes["unknown person:refused"] != 2 {
		t.Errorf("audited sign-ins: %v, want sam's and 2 refused", outcomes)
	}
}

// oidcPages serves the pages, with sign-in through a real OpenID Connect
// provider on loopback (mockoidc) named name, on a database of the test's
// own; it returns the provider, the store, the API and the pages' base URL.
func oidcPages(t *testing.T, name string) (*mockoidc.MockOIDC, *store.Store, *api.Server, string) {
	t.Helper()
	ctx := context.Background()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	st := dbtest.Store(t)
	cat, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	log := hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: testWriter{t}})
	a, err := api.New(api.Config{Store: st, Catalog: cat, Logger: log, PollInterval: 50 * time.Millisecond, KeepAlive: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	cfg := idp.Config()
	prov, err := oidclogin.New(ctx, oidclogin.Config{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: base + "/auth/oidc/callback", Name: name}, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := web.New(web.Config{API: a, Store: st, Logger: log, OIDC: prov})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p.Handler()
	srv.Start()
	t.Cleanup(func() {
		a.EndStreams()
		srv.Close()
		a.Close()
	})
	return idp, st, a, base
}
