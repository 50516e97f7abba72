package api

import (
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
)

func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request) {
	scs, err := s.svc.ListSchedules(r.Context(), callerOf(r), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiwire.ScheduleList{Schedules: scs})
}

func (s *Server) createSchedule(w http.ResponseWriter, r *http.Request) {
	var req apiwire.ScheduleRequest
	if err := decodeJSON(w, r, s.cfg.MaxBody, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	sc, err := s.svc.CreateSchedule(r.Context(), callerOf(r), r.PathValue("name"), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sc)
}

func (s *Server) enableSchedule(w http.ResponseWriter, r *http.Request) {
	s.setScheduleEnabled(w, r, true)
}
func (s *Server) disableSchedule(w http.ResponseWriter, r *http.Request) {
	s.setScheduleEnabled(w, r, false)
}

func (s *Server) setScheduleEnabled(w http.ResponseWriter, r *http.Request, enabled bool) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sc, err := s.svc.SetScheduleEnabled(r.Context(), callerOf(r), r.PathValue("name"), id, enabled)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sc)
}

func (s *Server) deleteSchedule(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.svc.DeleteSchedule(r.Context(), callerOf(r), r.PathValue("name"), id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
