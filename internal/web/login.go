package web

import (
	"net/http"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

type loginPage struct {
	Next  string
	Error string
}

// safeNext keeps a post-login destination on this server (a path, never
// "//host" or a URL).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (p *Pages) loginForm(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "login", view{Title: "Sign in", Data: loginPage{Next: safeNext(r.URL.Query().Get("next"))}})
}

// login checks the token of the form's one field and opens a session:
// the cookie is HttpOnly, SameSite=Lax (links pasted elsewhere open signed
// in), Secure under TLS, and lives as long as the session may.
func (p *Pages) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		p.render(w, r, http.StatusBadRequest, "login", view{Title: "Sign in", Data: loginPage{Next: "/", Error: "the form could not be read: " + err.Error()}})
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	secret := strings.TrimSpace(r.PostForm.Get("token"))
	if secret == "" {
		p.render(w, r, http.StatusBadRequest, "login", view{Title: "Sign in", Data: loginPage{Next: next, Error: "token: paste a shiplog token (shp_…)"}})
		return
	}
	id, _, err := p.api.Login(r.Context(), secret)
	if err != nil {
		status, msg := p.api.Explain(r, err)
		p.render(w, r, status, "login", view{Title: "Sign in", Data: loginPage{Next: next, Error: "token: " + msg}})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: api.SessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: p.cfg.Secure || r.TLS != nil, MaxAge: int(store.SessionMax.Seconds())})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (p *Pages) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(api.SessionCookie); err == nil && c.Value != "" {
		if err := p.api.Logout(r.Context(), c.Value); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: api.SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	setFlash(w, r, "Signed out.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
