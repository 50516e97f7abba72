package api

import (
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

// This file is the user sessions routes: people's live browser sessions listed
// and ended (service/sessions.go).

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
	ss, err := s.svc.UserSessions(r.Context(), callerOf(r), r.URL.Query().Get("user"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiwire.UserSessionList{Sessions: []apiwire.UserSession{}}
	for _, u := range ss {
		out.Sessions = append(out.Sessions, apiwire.UserSession{User: u.User, Groups: u.Groups, CreatedAt: u.CreatedAt, LastSeen: u.LastSeen, ExpiresAt: u.ExpiresAt})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) endUserSessions(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("name")
	n, err := s.svc.EndUserSessions(r.Context(), callerOf(r), user)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiwire.EndedSessions{User: user, Ended: n})
}
