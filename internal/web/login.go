package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

type loginPage struct {
	Next  string
	Error string
	// Provider names the identity provider to sign in with ("" for none).
	Provider string
}

// provider is the configured identity provider's name, or "".
func (p *Pages) provider() string {
	if p.cfg.OIDC == nil {
		return ""
	}
	return p.cfg.OIDC.Name()
}

// safeNext keeps a post-login destination on this server: a path that
// starts with exactly one "/", as a browser would read it. Anything else —
// a URL with a scheme ("https:", "javascript:"), a network path ("//host"),
// a backslash (browsers read "/\\host" as "//host"), a control character
// (browsers drop tab and newline, so "/\t/host" becomes "//host"), invalid
// UTF-8, or any of these hidden under percent-encoding ("/%2F%2Fhost",
// "/%09/host") — gives "/".
func safeNext(next string) string {
	s := next
	for range 4 { // each round undoes one layer of percent-encoding
		if !samePath(s) {
			return "/"
		}
		d := percentDecode(s)
		if d == s {
			return next
		}
		s = d
	}
	return "/" // encoded more deeply than any link shiplog makes
}

// percentDecode decodes each valid %XX of s and leaves any other "%" as
// it is (a search for "100%" stays a path).
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			h, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(h))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// samePath reports whether s is a path of this origin as it stands: a
// leading "/" not followed by "/" or "\\", no backslash and nothing but
// graphic characters and spaces (no control, format or line-separator
// character) anywhere, valid UTF-8, and no scheme or host as net/url reads
// it.
func samePath(s string) bool {
	if len(s) == 0 || s[0] != '/' || strings.HasPrefix(s, "//") || !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if c == '\\' || !unicode.IsGraphic(c) {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == ""
}

func (p *Pages) loginForm(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "login", view{Title: "Sign in", Data: loginPage{Next: safeNext(r.URL.Query().Get("next")), Provider: p.provider()}})
}

// login checks the token of the form's one field and opens a session:
// the cookie is HttpOnly, SameSite=Lax (links pasted elsewhere open signed
// in), Secure under TLS, and lives as long as the session may.
func (p *Pages) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		p.render(w, r, http.StatusBadRequest, "login", view{Title: "Sign in", Data: loginPage{Next: "/", Provider: p.provider(), Error: "the form could not be read: " + err.Error()}})
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	secret := strings.TrimSpace(r.PostForm.Get("token"))
	if secret == "" {
		p.render(w, r, http.StatusBadRequest, "login", view{Title: "Sign in", Data: loginPage{Next: next, Provider: p.provider(), Error: "token: paste a shiplog token (shp_…)"}})
		return
	}
	id, tok, err := p.api.Login(r, secret)
	who := service.Caller{Name: "unknown token", From: api.RemoteHost(r)}
	if tok != nil {
		who.Name = tok.Name
	}
	_ = p.api.Service().Audit(r.Context(), who, service.Act{Kind: "session.sign_in", Detail: "token"}, err)
	if err != nil {
		status, msg := p.api.Explain(r, err)
		p.render(w, r, status, "login", view{Title: "Sign in", Data: loginPage{Next: next, Provider: p.provider(), Error: "token: " + msg}})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: api.SessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: p.cfg.Secure || r.TLS != nil, MaxAge: int(store.SessionMax.Seconds())})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (p *Pages) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(api.SessionCookie); err == nil && c.Value != "" {
		// who signs out (the page is not behind signedIn): read before the
		// session ends, so the audit log names the token or the person
		who, werr := p.api.SessionCaller(r)
		if werr != nil {
			who = service.Caller{Name: "an ended session", From: api.RemoteHost(r)}
		}
		if err := p.api.Logout(r.Context(), c.Value); err != nil {
			p.fail(w, r, err)
			return
		}
		_ = p.api.Service().Audit(r.Context(), who, service.Act{Kind: "session.sign_out"}, nil)
	}
	http.SetCookie(w, &http.Cookie{Name: api.SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	setFlash(w, r, "Signed out.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
