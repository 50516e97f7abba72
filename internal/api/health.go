package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, apiwire.Health{Status: "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, apiwire.Health{Status: "unavailable", Reason: "the database does not answer: " + err.Error()})
		return
	}
	st, err := s.store.MigrationState(ctx)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, apiwire.Health{Status: "unavailable", Reason: "reading the schema version: " + err.Error()})
		return
	}
	if !st.Current() {
		writeJSON(w, http.StatusServiceUnavailable, apiwire.Health{Status: "unavailable", Migrations: st.Applied,
			Reason: fmt.Sprintf("migrations %v are not applied: run shiplog db migrate", st.Pending)})
		return
	}
	writeJSON(w, http.StatusOK, apiwire.Health{Status: "ready", Migrations: st.Applied})
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(r.Context(), w, s)
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.openapi)
}
