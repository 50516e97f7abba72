package api

import (
	"net/http"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// tokens are not about one environment: managing them needs the admin role
// on every environment (the route's gate asks for it on some).
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	if err := callerOf(r).Authorize(apiwire.RoleAdmin, service.AllEnvironments, "listing tokens"); err != nil {
		s.fail(w, r, err)
		return
	}
	ts, err := s.store.ListTokens(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, TokenList(ts))
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var req apiwire.TokenRequest
	if err := decodeJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	err := callerOf(r).Authorize(apiwire.RoleAdmin, service.AllEnvironments, "creating a token")
	var secret string
	var t *store.Token
	if err == nil {
		secret, t, err = IssueToken(r.Context(), s.store, req.Name, req.Scopes)
	}
	_ = s.svc.Audit(r.Context(), callerOf(r), service.Act{Kind: "token.create", Detail: req.Name + " " + strings.Join(req.Scopes, ",")}, err)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("token created", "name", t.Name, "scopes", t.Scopes, "by", who(r))
	writeJSON(w, http.StatusCreated, apiwire.NewToken{Name: t.Name, Scopes: t.Scopes, CreatedAt: t.CreatedAt, Secret: secret})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := callerOf(r).Authorize(apiwire.RoleAdmin, service.AllEnvironments, "revoking a token")
	if err == nil {
		err = s.store.RevokeToken(r.Context(), name)
	}
	_ = s.svc.Audit(r.Context(), callerOf(r), service.Act{Kind: "token.revoke", Detail: name}, err)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.tokens.drop(name)
	s.log.Info("token revoked", "name", name, "by", who(r))
	w.WriteHeader(http.StatusNoContent)
}

// TokenList is stored tokens as the API lists them (GET /api/v1/tokens):
// name, scopes and times, never the hash.
func TokenList(ts []*store.Token) apiwire.TokenList {
	var out apiwire.TokenList
	for _, t := range ts {
		out.Tokens = append(out.Tokens, apiwire.Token{Name: t.Name, Scopes: t.Scopes, CreatedAt: t.CreatedAt, RevokedAt: t.RevokedAt})
	}
	return out
}
