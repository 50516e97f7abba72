package oidclogin_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/oidclogin"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// idp is a real OpenID Connect provider (mockoidc) on loopback whose token
// endpoint's ID token a test may rewrite, as a hostile or broken provider
// — or someone in the middle — would.
type idp struct {
	*mockoidc.MockOIDC
	mu      sync.Mutex
	rewrite func(t *testing.T, idToken string) string
	t       *testing.T
}

func startIdP(t *testing.T) *idp {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{MockOIDC: m, t: t}
	if err := m.AddMiddleware(p.tokenRewriter); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return p
}

func (p *idp) setRewrite(f func(t *testing.T, idToken string) string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rewrite = f
}

func (p *idp) tokenRewriter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		f := p.rewrite
		p.mu.Unlock()
		if r.URL.Path != mockoidc.TokenEndpoint || f == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var body map[string]any
		if rec.Code == http.StatusOK && json.Unmarshal(rec.Body.Bytes(), &body) == nil {
			if s, ok := body["id_token"].(string); ok {
				body["id_token"] = f(p.t, s)
			}
		}
		b, _ := json.Marshal(body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(b)
	})
}

// claimsOf decodes a JWT's payload (without checking it).
func claimsOf(t *testing.T, tok string) jwt.MapClaims {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	c := jwt.MapClaims{}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// resign signs claims changed by change with the provider's own key: a
// token the provider could have issued.
func (p *idp) resign(change func(jwt.MapClaims)) func(*testing.T, string) string {
	return func(t *testing.T, tok string) string {
		c := claimsOf(t, tok)
		change(c)
		s, err := p.Keypair.SignJWT(c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

type fixture struct {
	idp *idp
	p   *oidclogin.Provider
	st  *store.Store
}

func setup(t *testing.T) *fixture {
	t.Helper()
	i := startIdP(t)
	st := dbtest.Store(t)
	cfg := i.Config()
	p, err := oidclogin.New(context.Background(), oidclogin.Config{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: "http://127.0.0.1:1/auth/oidc/callback"}, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{idp: i, p: p, st: st}
}

// authorize begins a sign-in and goes through the provider's authorization
// endpoint as user: the query the provider sends the browser back with,
// and the binding cookie's value.
func (f *fixture) authorize(t *testing.T, user *mockoidc.MockUser) (url.Values, string) {
	t.Helper()
	authURL, binding, err := f.p.Begin(context.Background(), "/releases/7")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	if q := u.Query(); q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		t.Fatalf("authorization URL lacks PKCE S256, nonce or state: %s", authURL)
	}
	f.idp.QueueUser(user)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("provider answered %d %q: %v", resp.StatusCode, resp.Header.Get("Location"), err)
	}
	return back.Query(), binding
}

func dana(groups ...string) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: "u-1234", Email: "dana@example.com", PreferredUsername: "dana", Groups: groups}
}

func refusedWith(t *testing.T, err error, want string) {
	t.Helper()
	var r *oidclogin.Refused
	if !errors.As(err, &r) || !strings.Contains(r.Reason, want) {
		t.Errorf("got %v, want a refusal saying %q", err, want)
	}
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	q, binding := f.authorize(t, dana("staging-approvers", "everyone"))
	id, next, err := f.p.Finish(ctx, q, binding)
	if err != nil {
		t.Fatal(err)
	}
	if id.Name != "dana" || id.Subject != "u-1234" || strings.Join(id.Groups, ",") != "staging-approvers,everyone" || next != "/releases/7" {
		t.Errorf("got %+v, next %q", id, next)
	}
	t.Run("a replayed state is refused", func(t *testing.T) {
		_, _, err := f.p.Finish(ctx, q, binding)
		refusedWith(t, err, "already used")
	})
}

func TestSignInRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	for _, tc := range []struct {
		name    string
		rewrite func(*testing.T, string) string
		before  func(t *testing.T, q url.Values, binding *string)
		want    string
	}{
		{name: "a tampered ID token", want: "signature", rewrite: func(t *testing.T, tok string) string {
			parts := strings.Split(tok, ".")
			c := claimsOf(t, tok)
			c["preferred_username"] = "admin"
			b, _ := json.Marshal(c)
			parts[1] = base64.RawURLEncoding.EncodeToString(b)
			return strings.Join(parts, ".")
		}},
		{name: "a wrong audience", want: "audience", rewrite: f.idp.resign(func(c jwt.MapClaims) { c["aud"] = []string{"another-client"} })},
		{name: "an expired token", want: "expired", rewrite: f.idp.resign(func(c jwt.MapClaims) {
			c["iat"], c["nbf"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
		})},
		{name: "another issuer", want: "issued by a different provider", rewrite: f.idp.resign(func(c jwt.MapClaims) { c["iss"] = "https://evil.example.com" })},
		{name: "another sign-in's nonce", want: "nonce", rewrite: f.idp.resign(func(c jwt.MapClaims) { c["nonce"] = "not-this-one" })},
		{name: "another browser (no binding cookie)", want: "another browser", before: func(t *testing.T, q url.Values, binding *string) { *binding = "" }},
		{name: "another browser (another cookie)", want: "another browser", before: func(t *testing.T, q url.Values, binding *string) { *binding = "bm90IHRoaXMgb25l" }},
		{name: "an unknown state", want: "unknown", before: func(t *testing.T, q url.Values, _ *string) { q.Set("state", "made-up") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.st.Pool().Exec(ctx, `DELETE FROM oidc_logins`); err != nil {
				t.Fatal(err)
			}
			f.idp.setRewrite(tc.rewrite)
			defer f.idp.setRewrite(nil)
			q, binding := f.authorize(t, dana("staging-approvers"))
			if tc.before != nil {
				tc.before(t, q, &binding)
			}
			id, _, err := f.p.Finish(ctx, q, binding)
			if id != nil {
				t.Errorf("signed in as %+v", id)
			}
			refusedWith(t, err, tc.want)
		})
	}
}

// TestCodeWithoutItsPKCEVerifier: the code the provider sends back
// through the browser is bound to the S256 challenge Begin sent, so whoever
// takes it from the redirect — without the binding cookie the verifier is
// derived from — cannot redeem it: the provider refuses an exchange
// without the verifier, or with another one, and the browser that started
// the sign-in still finishes it.
func TestCodeWithoutItsPKCEVerifier(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	cfg := f.idp.Config()
	thief := oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: "http://127.0.0.1:1/auth/oidc/callback",
		Endpoint: oauth2.Endpoint{AuthURL: f.idp.AuthorizationEndpoint(), TokenURL: f.idp.TokenEndpoint()}}
	for _, tc := range []struct {
		name string
		opts []oauth2.AuthCodeOption
	}{
		{"a missing PKCE verifier", nil},
		{"another PKCE verifier", []oauth2.AuthCodeOption{oauth2.VerifierOption(oauth2.GenerateVerifier())}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, _ := f.authorize(t, dana("staging-approvers"))
			tok, err := thief.Exchange(ctx, q.Get("code"), tc.opts...)
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || tok != nil {
				t.Errorf("the provider answered an exchange with %s: %v (token %v); want invalid_grant: the code must be bound to Begin's S256 challenge", tc.name, err, tok != nil)
			}
		})
	}
	t.Run("the browser that began it still signs in", func(t *testing.T) {
		q, binding := f.authorize(t, dana("staging-approvers"))
		if id, _, err := f.p.Finish(ctx, q, binding); err != nil || id.Name != "dana" {
			t.Errorf("Finish with the browser's binding: %+v, %v", id, err)
		}
	})
}

// TestGroupRemovedAtTheProvider: roles bound to a group count from the
// groups of the latest sign-in; a person removed from the group at the
// provider loses the role when they sign in next.
func TestGroupRemovedAtTheProvider(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	cat, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(f.st, cat, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GrantRole(ctx, service.Caller{Name: "root", Scopes: []string{"admin"}}, apiwire.RoleBindingRequest{
		SubjectKind: "group", Subject: "staging-approvers", Role: apiwire.RoleApprover, Environment: "staging"}); err != nil {
		t.Fatal(err)
	}
	callerAfterSignIn := func(user *mockoidc.MockUser) service.Caller {
		q, binding := f.authorize(t, user)
		id, _, err := f.p.Finish(ctx, q, binding)
		if err != nil {
			t.Fatal(err)
		}
		c, err := svc.PersonCaller(ctx, id.Name, id.Groups, "")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := callerAfterSignIn(dana("staging-approvers")); !c.Holds(apiwire.RoleApprover, "staging") {
		t.Fatalf("dana in staging-approvers: %s", c.Holding())
	}
	if c := callerAfterSignIn(dana("everyone")); c.Holds(apiwire.RoleApprover, "staging") || c.Holds(apiwire.RoleViewer, service.AnyEnvironment) {
		t.Errorf("dana removed from staging-approvers still holds %s", c.Holding())
	}
}

// TestConfigSaysWhatIsMissing: a half-configured provider, or one whose
// discovery fails, is refused naming the setting.
func TestConfigSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	err := oidclogin.Config{Issuer: "https://idp.example.com", ClientID: "shiplog"}.Check()
	if err == nil || !strings.Contains(err.Error(), "--oidc-client-secret-file") || !strings.Contains(err.Error(), "--oidc-redirect-url") || strings.Contains(err.Error(), "--oidc-issuer") {
		t.Errorf("Check: %v", err)
	}
	st := dbtest.Store(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, err = oidclogin.New(context.Background(), oidclogin.Config{Issuer: dead.URL, ClientID: "c", ClientSecret: "s", RedirectURL: "http://127.0.0.1/cb"}, st, nil)
	if err == nil || !strings.Contains(err.Error(), "discovery document") {
		t.Errorf("New with an unreachable issuer: %v", err)
	}
	if err != nil && bytes.Contains([]byte(err.Error()), []byte(`"s"`)) {
		t.Errorf("the error shows the secret: %v", err)
	}
}
