package api

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

var changeActions = []release.ChangeAction{release.ChangeCreate, release.ChangeUpdate, release.ChangeDelete,
	release.ChangeReplace, release.ChangeRead, release.ChangeNoOp, release.ChangeForget}

func (s *Server) listChanges(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.ChangeFilter{
		Kind: release.ChangeKind(q.Get("kind")), Phase: q.Get("phase"), Action: q.Get("action"), Type: q.Get("type"),
		Module: q.Get("module"), AddressPrefix: q.Get("address_prefix"),
	}
	switch f.Kind {
	case "", release.KindResource, release.KindOutput, release.KindDrift:
	default:
		s.fail(w, r, invalid("kind", "kind must be resource, output or drift, not %q", f.Kind))
		return
	}
	if f.Action != "" && !slices.Contains(changeActions, release.ChangeAction(f.Action)) {
		s.fail(w, r, invalid("action", "action must be one of %v, not %q", changeActions, f.Action))
		return
	}
	all, err := boolQuery(q, "all")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.IncludeNoOp = all
	limit, err := limitOf(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	qh := queryHash(q)
	if c := q.Get("cursor"); c != "" {
		p, err := s.cursors.decode(c, "changes", qh, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.AfterPhase, f.AfterSeq = p.Phase, int(p.Seq)
	}
	if _, err := s.store.ReleaseStatus(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	f.Limit = limit + 1
	cs, err := s.store.ListChanges(r.Context(), id, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiwire.ChangeList{Changes: make([]apiwire.Change, 0, min(len(cs), limit))}
	for i, c := range cs {
		if i == limit {
			last := cs[limit-1]
			out.NextCursor = s.cursors.encode(position{Kind: "changes", Query: qh, Parent: id, Phase: last.Phase, Seq: int64(last.Seq)})
			break
		}
		out.Changes = append(out.Changes, apiwire.Change{Change: c.Change, Kind: c.Kind, Phase: c.Phase, Seq: c.Seq})
	}
	writeJSON(w, http.StatusOK, out)
}

// planBody reads an uploaded plan: at most MaxPlanBody bytes, with time
// to arrive and be stored (beyond the server's ordinary timeouts). The
// body is read once, or twice when a value is marked sensitive late in the
// plan (plan.OpenOnce), from a 0600 copy in the temporary directory that
// done removes.
func (s *Server) planBody(w http.ResponseWriter, r *http.Request) (rd *plan.Reader, done func()) {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(10 * time.Minute))
	rc.SetWriteDeadline(time.Now().Add(15 * time.Minute))
	return plan.OpenOnce(&utf8Reader{r: http.MaxBytesReader(w, r.Body, s.cfg.MaxPlanBody), field: "plan"}, "")
}

// planError says what was wrong with an uploaded plan.
func planError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, plan.ErrTooLarge) {
		return &httpError{Status: http.StatusRequestEntityTooLarge, Code: apiwire.CodeTooLarge, Message: err.Error()}
	}
	var pe *plan.Error
	if errors.As(err, &pe) && !errors.Is(err, plan.ErrRead) {
		return invalid("", "%s", err.Error())
	}
	return err
}

// uploadedPlan is a request's plan body as the service reads it.
type uploadedPlan struct {
	nulFreeChanges
	rd *plan.Reader
}

func (p *uploadedPlan) Errored() bool { return p.rd.Header().Errored }

// Notes are what the plan said beside its changes, once it is read.
func (p *uploadedPlan) Notes() release.PlanNotes { return p.rd.Notes() }

// planOpener opens the request's plan body when the service asks for it;
// the returned close removes what reading it left.
func (s *Server) planOpener(w http.ResponseWriter, r *http.Request) (service.OpenPlan, func()) {
	var done func()
	open := func() (service.Plan, error) {
		rd, d := s.planBody(w, r)
		done = d
		return &uploadedPlan{nulFreeChanges: nulFreeChanges{src: rd}, rd: rd}, nil
	}
	return open, func() {
		if done != nil {
			done()
		}
	}
}

func (s *Server) ingestPlan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	phase := r.URL.Query().Get("phase")
	if phase == "" {
		phase = "plan"
	}
	open, done := s.planOpener(w, r)
	defer done()
	sum, err := s.svc.IngestPlan(r.Context(), callerOf(r), id, phase, open)
	if err != nil {
		s.fail(w, r, planError(err))
		return
	}
	writeJSON(w, http.StatusOK, apiwire.PlanResult{ReleaseID: id, Phase: phase, Summary: sum})
}

func (s *Server) recordPlan(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	open, done := s.planOpener(w, r)
	defer done()
	rel, err := s.svc.RecordPlan(r.Context(), callerOf(r), service.PlanRecording{
		Environment: r.PathValue("name"), Template: q.Get("template"), Phase: q.Get("phase"),
		BlueprintVersion: q.Get("blueprint_version"),
	}, open)
	if err != nil {
		s.fail(w, r, planError(err))
		return
	}
	w.Header().Set("Location", "/api/v1/releases/"+strconv.FormatInt(rel.ID, 10))
	writeJSON(w, http.StatusCreated, rel)
}
