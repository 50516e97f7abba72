package api

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// LogIndex is GET /api/v1/releases/{id}/logs/index: where each phase's
// lines are, so that a viewer fetches line n of a phase as the page after
// seq first_seq+n-2.
type LogIndex struct {
	Phases []PhaseLog `json:"phases"`
	// LastSeq is the highest seq written so far (0: no line yet).
	LastSeq int64          `json:"last_seq"`
	Status  release.Status `json:"status"`
}

// PhaseLog is one phase's part of the log and the phase's status
// (PENDING until the phase has started; "" for lines of no phase of the
// release's template).
type PhaseLog struct {
	store.PhaseLog
	Status release.PhaseStatus `json:"status"`
}

// LogSearch is GET /api/v1/releases/{id}/logs/search.
type LogSearch struct {
	Matches []store.LogMatch `json:"matches"`
	// Total counts every matching line, beyond limit too.
	Total int64 `json:"total"`
}

// DeploymentList is GET /api/v1/releases/{id}/deployments.
type DeploymentList struct {
	Deployments []store.Deployment `json:"deployments"`
}

// ResourceHistory is GET /api/v1/environments/{name}/resources/history.
type ResourceHistory struct {
	Events []store.ResourceEvent `json:"events"`
}

func (s *Server) logIndex(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rel, err := s.Release(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	idx, err := s.store.LogIndex(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, BuildLogIndex(rel, idx))
}

// BuildLogIndex joins the log's phases with the release's phase statuses.
func BuildLogIndex(rel *release.Release, idx []store.PhaseLog) LogIndex {
	out := LogIndex{Phases: make([]PhaseLog, 0, len(idx)), Status: rel.Status}
	for _, p := range idx {
		pl := PhaseLog{PhaseLog: p}
		for _, ph := range rel.Phases {
			if ph.Name == p.Phase {
				pl.Status = ph.Status
			}
		}
		out.Phases = append(out.Phases, pl)
		out.LastSeq = max(out.LastSeq, p.LastSeq)
	}
	return out
}

// maxSearch is the longest search text.
const maxSearch = 200

func (s *Server) searchLogs(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	text := q.Get("q")
	if text == "" || len(text) > maxSearch {
		s.fail(w, r, invalid("q", "q must hold the text to look for (1 to %d bytes), got %d bytes", maxSearch, len(text)))
		return
	}
	limit := 1000
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 10000 {
			s.fail(w, r, invalid("limit", "limit %q is not a whole number from 1 to 10000", v))
			return
		}
	}
	if _, err := s.store.ReleaseStatus(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	ms, total, err := s.store.SearchLogs(r.Context(), id, q.Get("phase"), text, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, LogSearch{Matches: ms, Total: total})
}

func (s *Server) rawLogs(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	flag := func(name string) (bool, error) {
		switch v := q.Get(name); v {
		case "", "0", "false":
			return false, nil
		case "1", "true":
			return true, nil
		default:
			return false, invalid(name, "%s %q is not a boolean (1, true, 0 or false)", name, v)
		}
	}
	stamps, err := flag("timestamps")
	if err == nil {
		var dl bool
		if dl, err = flag("download"); dl {
			name := "release-" + strconv.FormatInt(id, 10)
			if p := q.Get("phase"); p != "" {
				name += "-" + strings.Map(func(c rune) rune {
					if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
						return c
					}
					return '_'
				}, p)
			}
			w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.log"`)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.store.ReleaseStatus(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	rc := http.NewResponseController(w)
	bw := bufio.NewWriterSize(w, 64<<10)
	var after int64
	for {
		es, err := s.store.ListLogs(r.Context(), id, q.Get("phase"), after, 5000)
		if err != nil {
			// the status line is gone: end the text with what failed
			s.log.Warn("raw log: reading lines", "release", id, "error", err)
			bw.WriteString("\n[shiplog: the log could not be read to its end]\n")
			break
		}
		for _, e := range es {
			if stamps {
				bw.WriteString(e.Time.UTC().Format(time.RFC3339Nano))
				bw.WriteByte(' ')
			}
			bw.WriteString(e.Text)
			bw.WriteByte('\n')
			after = e.Seq
		}
		rc.SetWriteDeadline(time.Now().Add(s.cfg.StreamWriteTimeout))
		if bw.Flush() != nil || len(es) < 5000 {
			break
		}
	}
	bw.Flush()
}

func (s *Server) releaseDeployments(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.store.ReleaseStatus(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	ds, err := s.store.Deployments(r.Context(), store.DeploymentFilter{ReleaseID: id, Limit: 1000})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, DeploymentList{Deployments: ds})
}

func (s *Server) resourceHistory(w http.ResponseWriter, r *http.Request) {
	env := r.PathValue("name")
	addr := r.URL.Query().Get("address")
	if addr == "" {
		s.fail(w, r, invalid("address", "address is required: the resource address whose history to show"))
		return
	}
	if _, err := s.store.GetEnvironment(r.Context(), env); err != nil {
		s.fail(w, r, err)
		return
	}
	limit, err := limitOf(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	evs, err := s.store.ResourceHistory(r.Context(), env, addr, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ResourceHistory{Events: evs})
}
