package api

import (
	"net/http"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
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
	secret, t, err := IssueToken(r.Context(), s.store, req.Name, req.Scopes)
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
	err := s.store.RevokeToken(r.Context(), name)
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
