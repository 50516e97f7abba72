package web

import (
	"net/http"
	"strconv"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// initialLines is how many lines the logs page carries in its HTML, so
// that the end of a phase shows before any script runs.
const initialLines = 200

type logsPage struct {
	R *release.Release
	// Phase is the phase shown ("" for all); Options the dropdown.
	Phase   string
	Options []phaseOption
	// Log is where the shown lines are (for all phases: one run of every
	// seq, so that line n is seq n).
	Log     release.PhaseLog
	LastSeq int64 // the whole release's last seq (the stream's cursor)
	Entries []numbered
	Live    bool
	// Auto: the page follows the release from phase to phase (it is
	// running and no phase was chosen in the URL).
	Auto  bool
	All   bool
	Query string
	// Timestamps and Only are the view's toggles, kept in the URL
	// (timestamps=1, only=1: only the search's matching lines).
	Timestamps, Only, Wrap bool
}

type phaseOption struct {
	Name, Label string
	// Action is the phase's action (the log's colouring of terraform's
	// change markers depends on it).
	Action   release.Action
	Selected bool
}

// defaultPhase is the phase the logs page opens on: the running one, else
// the one that ended the release, else the last that wrote lines.
func defaultPhase(r *release.Release, idx []release.PhaseLog) string {
	for _, ph := range r.Phases {
		if ph.Status == release.PhaseInProgress {
			return ph.Name
		}
	}
	if ph := endingPhase(r); ph != "" {
		for _, pl := range idx {
			if pl.Phase == ph {
				return ph
			}
		}
	}
	if len(idx) > 0 {
		return idx[len(idx)-1].Phase
	}
	if len(r.Phases) > 0 {
		return r.Phases[0].Name
	}
	return ""
}

func (p *Pages) logs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rel, err := p.releaseOf(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	id := rel.ID
	idx, err := p.store.LogIndex(ctx, id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	phase, all := q.Get("phase"), false
	switch {
	case !q.Has("phase"):
		phase = defaultPhase(rel, idx)
	case phase == "":
		all = true
	}
	pg := logsPage{R: rel, Phase: phase, All: all, Live: !rel.Status.Terminal(), Query: q.Get("q"),
		Timestamps: q.Get("timestamps") == "1", Only: q.Get("only") == "1",
		Wrap: q.Get("wrap") == "1"}
	pg.Auto = pg.Live && !q.Has("phase")
	known := all
	pg.Options = append(pg.Options, phaseOption{Name: "", Label: "All phases", Selected: all})
	for _, ph := range rel.Phases {
		label := ph.Name + " · " + statusWord(ph.Status)
		if ph.Duration != nil {
			label += " · " + duration(ph.Duration)
		}
		pg.Options = append(pg.Options, phaseOption{Name: ph.Name, Label: label, Action: ph.Action, Selected: !all && ph.Name == phase})
		known = known || ph.Name == phase
	}
	pg.Log.Phase = phase
	for _, pl := range idx {
		pg.LastSeq = max(pg.LastSeq, pl.LastSeq)
		if !all && pl.Phase == phase {
			pg.Log = pl
			known = true
		}
	}
	if all && pg.LastSeq > 0 {
		pg.Log = release.PhaseLog{FirstSeq: 1, LastSeq: pg.LastSeq, Lines: pg.LastSeq, Runs: [][2]int64{{1, pg.LastSeq}}}
	}
	if !known {
		p.fail(w, r, badRequest("phase", "release %d has no phase %q", id, phase))
		return
	}
	if pg.Log.Lines > 0 {
		if pg.Entries, err = p.tailOf(ctx, id, pg.Log, initialLines); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	title := "Logs · release #" + strconv.FormatInt(id, 10)
	p.render(w, r, http.StatusOK, "logs", view{Title: title, Nav: "releases", Data: pg})
}
