package api

import (
	"bufio"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

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
func BuildLogIndex(rel *release.Release, idx []release.PhaseLog) apiwire.LogIndex {
	out := apiwire.LogIndex{Phases: make([]apiwire.PhaseLog, 0, len(idx)), Status: rel.Status}
	for _, p := range idx {
		pl := apiwire.PhaseLog{PhaseLog: p}
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
	withLines, err := boolQuery(q, "lines")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if withLines {
		es, total, err := s.store.SearchLogEntries(r.Context(), id, q.Get("phase"), text, limit)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := apiwire.LogSearch{Matches: make([]release.LogMatch, len(es)), Total: total, Entries: es}
		for i, e := range es {
			out.Matches[i] = release.LogMatch{Seq: e.Seq, Phase: e.Phase}
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	ms, total, err := s.store.SearchLogs(r.Context(), id, q.Get("phase"), text, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiwire.LogSearch{Matches: ms, Total: total})
}

func (s *Server) rawLogs(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	stamps, err := boolQuery(q, "timestamps")
	if err == nil {
		var dl bool
		if dl, err = boolQuery(q, "download"); dl {
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
	writeJSON(w, http.StatusOK, apiwire.DeploymentList{Deployments: ds})
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
	out := apiwire.ResourceHistory{Events: make([]apiwire.ResourceEvent, len(evs))}
	for i, ev := range evs {
		c := ev.Change
		out.Events[i] = apiwire.ResourceEvent{ReleaseID: ev.ReleaseID, Status: ev.Status, CreatedAt: ev.CreatedAt, TriggeredBy: ev.TriggeredBy,
			Template: ev.Template, Change: apiwire.Change{Change: c.Change, Kind: c.Kind, Phase: c.Phase, Seq: c.Seq}}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) changeFacets(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kind := release.ChangeKind(r.URL.Query().Get("kind"))
	switch kind {
	case "", release.KindResource, release.KindOutput, release.KindDrift:
	default:
		s.fail(w, r, invalid("kind", "kind must be resource, output or drift, not %q", kind))
		return
	}
	if _, err := s.store.ReleaseStatus(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.store.ChangeFacets(r.Context(), id, kind)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiwire.ChangeFacets{Actions: c.Actions, Modules: c.Modules, Types: c.Types})
}

// boolQuery reads a boolean query parameter (absent: false); anything
// strconv.ParseBool does not take is a 400 naming it.
func boolQuery(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalid(name, "%s must be true or false, not %q", name, v)
	}
	return b, nil
}
