package web

import (
	"errors"
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/oidclogin"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// oidcPath is where the sign-in with the identity provider lives; the
// binding cookie is sent only there.
const oidcPath = "/auth/oidc"

// oidcLogin starts a sign-in with the identity provider: the binding
// cookie (HttpOnly, SameSite=Lax so that it comes back with the provider's
// top-level redirect, FlowTTL long, only under /auth/oidc) and a redirect
// to the provider.
func (p *Pages) oidcLogin(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	authURL, binding, err := p.cfg.OIDC.Begin(r.Context(), next)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidclogin.BindingCookie, Value: binding, Path: oidcPath, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: p.cfg.Secure || r.TLS != nil, MaxAge: int(oidclogin.FlowTTL.Seconds())})
	http.Redirect(w, r, authURL, http.StatusSeeOther)
}

// oidcCallback finishes a sign-in (oidclogin.Provider.Finish) and opens a
// session of the person — their name and the groups the provider gave now
// — with the same cookie as a token's session. A refusal shows the sign-in
// page with why (403) and is audited.
func (p *Pages) oidcCallback(w http.ResponseWriter, r *http.Request) {
	binding := ""
	if c, err := r.Cookie(oidclogin.BindingCookie); err == nil {
		binding = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: oidclogin.BindingCookie, Value: "", Path: oidcPath, HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	id, next, err := p.cfg.OIDC.Finish(r.Context(), r.URL.Query(), binding)
	who := service.Caller{Name: "unknown person", From: api.RemoteHost(r)}
	if id != nil {
		who.Name = id.Name
	}
	var sid string
	if err == nil {
		sid, err = p.api.PersonLogin(r.Context(), id.Name, id.Groups)
	}
	audited := err
	var ref *oidclogin.Refused
	if errors.As(err, &ref) {
		audited = &service.Error{Kind: service.Forbidden, Message: ref.Reason}
	}
	_ = p.api.Service().Audit(r.Context(), who, service.Act{Kind: "session.sign_in", Detail: "identity provider " + p.cfg.OIDC.Name()}, audited)
	if ref != nil {
		p.log.Info("sign-in with the identity provider refused", "reason", ref.Reason, "from", who.From)
		p.render(w, r, http.StatusForbidden, "login", view{Title: "Sign in", Data: loginPage{Next: "/", Provider: p.cfg.OIDC.Name(), Error: "Sign-in refused: " + ref.Reason}})
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: api.SessionCookie, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: p.cfg.Secure || r.TLS != nil, MaxAge: int(store.SessionMax.Seconds())})
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}
